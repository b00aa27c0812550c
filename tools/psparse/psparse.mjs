// psparse: PowerShell syntax check for the aws-runas tests.
//
//   node --liftoff-only psparse.mjs FILE...     (or the script on stdin)
//
// Parses each file with tree-sitter-powershell (WebAssembly, through
// web-tree-sitter) and prints one line per ERROR or MISSING node:
//
//   FILE:LINE:COLUMN: ERROR near "text"
//
// Exit status: 0 when every file parses cleanly, 1 when any does not, 2 on a
// usage or I/O error. --liftoff-only keeps V8 from optimising the wasm, which
// takes seconds per file and buys nothing for scripts this small.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Parser, Language } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

async function main(argv) {
  await Parser.init();
  const grammar = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  const lang = await Language.load(readFileSync(grammar));
  const parser = new Parser();
  parser.setLanguage(lang);

  const inputs = argv.length ? argv : ['-'];
  let bad = false;
  for (const name of inputs) {
    let src;
    try {
      src = readFileSync(name === '-' ? 0 : name, 'utf8');
    } catch (e) {
      console.error(`${name}: ${e.message}`);
      return 2;
    }
    const tree = parser.parse(src);
    const problems = [];
    walk(tree.rootNode, problems);
    tree.delete();
    for (const p of problems) {
      console.log(`${name}:${p}`);
    }
    if (problems.length) bad = true;
  }
  return bad ? 1 : 0;
}

// walk collects ERROR and MISSING nodes below node, iteratively (a deep tree
// must not overflow the JS stack).
function walk(root, out) {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop();
    if (!n.hasError && !n.isMissing) continue; // hasError covers the subtree
    if (n.isError || n.isMissing) {
      const p = n.startPosition;
      const kind = n.isMissing ? `MISSING ${n.type}` : 'ERROR';
      const text = n.text.length > 40 ? n.text.slice(0, 40) + '...' : n.text;
      out.push(`${p.row + 1}:${p.column + 1}: ${kind} near ${JSON.stringify(text)}`);
    }
    for (let i = n.childCount - 1; i >= 0; i--) stack.push(n.child(i));
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`psparse: ${e && e.stack ? e.stack : e}`);
    process.exit(2);
  },
);
