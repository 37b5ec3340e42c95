// One webview panel: created or revealed, restored after reload by its serializer, with a strict CSP
// (nonce'd script and style, nothing inline, nothing remote) and the one bundled front-end.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { FromWebview, PanelKind, PanelState, ToWebview } from '../../webview/protocol';

export const panelTitles: Record<PanelKind, string> = {
  loadOrder: 'AetherScript: Load Order',
  hookTraces: 'AetherScript: Hook Traces',
  visualizations: 'AetherScript: Live Visualizations',
  debugPlugins: 'AetherScript: Debug Plugins',
  benchmarks: 'AetherScript: Benchmarks',
  pluginDetail: 'AetherScript: Plugin',
};

export const viewTypeOf = (kind: PanelKind) => `aether.panel.${kind}`;

export abstract class PanelBase implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  readonly onDidDispose: vscode.Event<void>;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    protected readonly extensionUri: vscode.Uri,
    protected state: PanelState,
  ) {
    this.onDidDispose = this.disposeEmitter.event;
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'client', 'media', 'aether.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: FromWebview) => this.receive(message)),
      panel.onDidChangeViewState(() => this.visibilityChanged(panel.visible)),
    );
  }

  protected post(message: ToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private receive(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        if (message.state) this.state = { ...message.state, kind: this.kind };
        this.onReady();
        break;
      case 'open':
        void vscode.window.showTextDocument(vscode.Uri.file(message.file), {
          viewColumn: vscode.ViewColumn.One,
          selection: message.line ? new vscode.Range(message.line - 1, 0, message.line - 1, 0) : undefined,
        });
        break;
      case 'revealStep':
        void vscode.commands.executeCommand('aether.runs.revealStep', message.pipelineFile, message.stepId);
        break;
      default:
        this.onMessage(message);
    }
  }

  /** The webview (re)loaded: send everything it shows. */
  protected abstract onReady(): void;
  protected onMessage(_message: FromWebview): void {}
  protected visibilityChanged(_visible: boolean): void {}

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    const initial = JSON.stringify(this.state).replace(/</g, '\\u003c');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${style}">
<title>${panelTitles[this.kind]}</title>
</head>
<body data-kind="${this.kind}">
<div id="app" role="main"></div>
<script nonce="${nonce}" id="initial-state" type="application/json">${initial}</script>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
