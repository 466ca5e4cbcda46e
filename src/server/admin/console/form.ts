/** What the console's form routes share. */
import { refusalOf } from '../../http/refusal.js';

/** Runs a form's action; a refusal (refusalOf) goes back to the page with its message, anything else is a 500 through onError. */
export async function orBack(
  back: (message: string, field?: string) => Response | Promise<Response>,
  action: () => Promise<Response>,
): Promise<Response> {
  try {
    return await action();
  } catch (e) {
    const refusal = refusalOf(e);
    if (refusal) return back(refusal.message, refusal.field);
    throw e;
  }
}
