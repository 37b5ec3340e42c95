// The index's file access in the server process: Node's fs. The service itself never touches the disk.
import { promises as fs } from 'node:fs';
import type { FileSystem } from './workspaceIndex';

export const nodeFileSystem: FileSystem = {
  async readFile(path) {
    try {
      return await fs.readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};
