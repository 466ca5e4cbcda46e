import { Segments } from './segments.jsx';

// Rendered on the server: no edseg here. The client component below starts it in the browser.
export default function Page() {
  return (
    <main>
      <h1>Next.js</h1>
      <Segments />
    </main>
  );
}
