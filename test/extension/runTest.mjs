// The standard integration entry point (what contributors and GitHub-hosted CI run): downloads a VS Code
// build with @vscode/test-electron and runs the mocha suite inside its extension host, with examples/
// open. These machines cannot reach the download servers; here the same extension is tested in
// code-server instead (test/e2e/editor.e2e.ts).
import path from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(import.meta.dirname, '..', '..');
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'test', 'extension', 'suite', 'index.cjs'),
    launchArgs: [path.join(root, 'examples'), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  console.error('extension tests failed:', error);
  process.exit(1);
}
