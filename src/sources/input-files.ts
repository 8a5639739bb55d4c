import { readdir, readFile, stat } from 'node:fs/promises';

/** The file system and stdin as the file-reading sources see them; injectable for tests. */
export interface InputFileReader {
  kind(p: string): Promise<'file' | 'dir' | 'missing' | 'other'>;
  readFile(p: string): Promise<Uint8Array>;
  readDir(p: string): Promise<string[]>;
  readStdin(): Promise<Uint8Array>;
}

/**
 * The real file system and stdin. `what` names the expected input in the error for a terminal on stdin
 * (reading a terminal would wait forever for output nobody is typing).
 */
export function fsInputReader(what: string): InputFileReader {
  return {
    async kind(p) {
      try {
        const s = await stat(p);
        return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
        throw err;
      }
    },
    readFile: (p) => readFile(p),
    readDir: (p) => readdir(p),
    async readStdin() {
      if (process.stdin.isTTY) throw new Error(`standard input is a terminal: pipe ${what} into it`);
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
