/** The console's one stylesheet, inlined in every page (the CSP allows inline styles, nothing else). */
export const STYLE = `
  :root { --ink:#1d2433; --muted:#5b6476; --line:#dde2ea; --bg:#f6f7fa; --accent:#2f5bd3; --warn:#9a3b00; --ok:#1d7a46; }
  * { box-sizing: border-box; }
  body { margin:0; font: 15px/1.5 system-ui, sans-serif; color:var(--ink); background:var(--bg); }
  header { background:#fff; border-bottom:1px solid var(--line); padding:.7rem 1.5rem; display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; align-items:center; }
  header strong { font-size:1.05rem; } header nav { display:flex; flex-wrap:wrap; gap:.25rem 1rem; flex:1; } header form { margin:0; }
  @media (max-width: 600px) { header { padding:.6rem 1rem; } header nav { order:3; flex-basis:100%; } }
  :focus-visible { outline:3px solid var(--accent); outline-offset:2px; } main:focus { outline:none; }
  .skip-link { position:absolute; left:.5rem; top:-3rem; z-index:10; padding:.5rem .9rem; background:#fff; color:var(--accent); border:2px solid var(--accent); border-radius:4px; }
  .skip-link:focus { top:.5rem; }
  .visually-hidden { position:absolute !important; width:1px; height:1px; margin:-1px; padding:0; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; border:0; }
  main { max-width:1100px; margin:0 auto; padding:1.5rem; }
  a { color:var(--accent); } h1 { font-size:1.4rem; margin:.2rem 0 1rem; } h2 { font-size:1.15rem; margin:2rem 0 .6rem; } h3 { font-size:1rem; margin:1.2rem 0 .4rem; }
  table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); margin:.4rem 0 1rem; }
  .table-scroll { overflow-x:auto; margin:.4rem 0 1rem; } .table-scroll > table { margin:0; }
  th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
  th { background:#fafbfc; font-weight:600; font-size:.85rem; color:var(--muted); }
  .card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1rem 1.2rem; margin:.8rem 0; }
  .muted { color:var(--muted); } .small { font-size:.85rem; }
  .tag { display:inline-block; padding:0 .45rem; border-radius:3px; font-size:.78rem; background:#eef1f6; margin-right:.3rem; }
  .tag.edu { background:#fff1e6; color:var(--warn); } .tag.no { background:#fbeaea; color:#8a1c1c; } .tag.yes { background:#e7f5ec; color:var(--ok); }
  .flash { padding:.6rem 1rem; border-radius:4px; margin:0 0 1rem; background:#e7f5ec; } .flash.error { background:#fbeaea; }
  button, input[type=submit] { font:inherit; padding:.4rem .9rem; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
  button.ghost { background:#fff; color:var(--accent); }
  form.inline { display:inline-block; margin:0 .2rem .2rem 0; } form.inline select { width:auto; }
  input[type=text], input[type=password] { font:inherit; padding:.4rem .6rem; border:1px solid var(--line); border-radius:4px; width:100%; }
  .bar { background:#eef1f6; height:.7rem; border-radius:2px; min-width:120px; position:relative; }
  .bar span { position:absolute; top:0; bottom:0; background:var(--accent); opacity:.75; border-radius:2px; }
  .bar i { position:absolute; top:-.15rem; bottom:-.15rem; border-left:2px solid var(--ink); border-right:2px solid var(--ink); }
  pre { white-space:pre-wrap; overflow-wrap:anywhere; }
  code { font-size:.85rem; background:#eef1f6; padding:0 .25rem; border-radius:3px; } ul { margin:.2rem 0; padding-left:1.2rem; }
  a.button { display:inline-block; padding:.4rem .9rem; border-radius:4px; background:var(--accent); color:#fff; text-decoration:none; }
  .editor .field { display:block; margin:.5rem 0; } .editor .field > span { display:block; font-size:.85rem; font-weight:600; }
  .field.check > span { display:inline; font-weight:400; } .field small { display:block; }
  select, textarea { font:inherit; padding:.35rem .5rem; border:1px solid var(--line); border-radius:4px; width:100%; }
  fieldset { border:1px solid var(--line); border-radius:4px; margin:.6rem 0; } legend { font-size:.85rem; font-weight:600; }
  .field.invalid input, .field.invalid select, .field.invalid textarea { border-color:#b42318; background:#fff8f7; }
  .field-error { display:block; color:#b42318; font-size:.85rem; }
  table.diff td { font-size:.85rem; word-break:break-word; } del { background:#fbeaea; text-decoration:line-through; } ins { background:#e7f5ec; text-decoration:none; }
  .segments { margin-left:1.2rem; }
  figure.chart { margin:1rem 0; overflow-x:auto; } figure.chart svg { max-width:none !important; }
  .grid { display:grid; grid-template-columns: 1fr 1fr; gap:1rem; } @media (max-width: 800px) { .grid { grid-template-columns: 1fr; } }
`;
