// The root tsconfig limits ambient types to Node; the client also compiles against the VS Code API.
/// <reference types="vscode" />
