// A package README as HTML for the detail page: markdown-it with raw HTML off (every tag in the source is
// escaped, so a README cannot inject markup or script), links only to http(s), mailto and in-page
// anchors (javascript:, data:, file: and vscode: links stay text), no remote images (the CSP allows
// none). Pure, so the unit tests check what a hostile README becomes.
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
const safeLink = /^(https?:|mailto:|#)/i;
markdown.validateLink = (url: string) => safeLink.test(url.trim());
const renderToken: NonNullable<typeof markdown.renderer.rules.link_open> = (tokens, i, options, _env, self) =>
  self.renderToken(tokens, i, options);
const linkOpen = markdown.renderer.rules.link_open ?? renderToken;
markdown.renderer.rules.link_open = (tokens, i, options, env, self) => {
  const href = tokens[i]!.attrGet('href');
  // Shown on hover: the webview does not navigate; VS Code opens http(s) links after asking.
  if (href) tokens[i]!.attrSet('title', href);
  return linkOpen(tokens, i, options, env, self);
};
// An image would be a request to wherever the README points; show its alt text and address instead.
markdown.renderer.rules.image = (tokens, i) => {
  const token = tokens[i]!;
  const alt = markdown.utils.escapeHtml(token.content || 'image');
  const src = markdown.utils.escapeHtml(String(token.attrGet('src') ?? ''));
  return `<span class="muted" title="${src}">[${alt}]</span>`;
};

export function renderReadme(text: string): string {
  return markdown.render(text);
}
