// Where chunks that can never be written go (spec core §4.7): raw chunk bytes to
// `<root_dir or $FLUENT_BACKUP_DIR or /tmp/fluent>/backup/worker<N>/<plugin_id>/<chunk_id>.log`,
// plugin_id with ` "/\:;|*<>?` replaced by `_`. The same directory takes broken chunks found
// when a file buffer resumes. Retry-limit evacuations go to `<base>/buffer/<plugin_id>/`.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export function backupBase(rootDir: string | undefined): string {
  return rootDir ?? process.env.FLUENT_BACKUP_DIR ?? '/tmp/fluent';
}

export function safePluginId(id: string): string {
  return id.replace(/[ "/\\:;|*<>?]/g, '_');
}

export function backupDir(rootDir: string | undefined, workerId: number, pluginId: string): string {
  return path.join(backupBase(rootDir), 'backup', `worker${workerId}`, safePluginId(pluginId));
}

export function evacuationDir(rootDir: string | undefined, pluginId: string): string {
  return path.join(backupBase(rootDir), 'buffer', safePluginId(pluginId));
}

/** Append `bytes` to `<dir>/<name>` (creating the directory), fsynced. Returns the path. */
export async function saveAside(dir: string, name: string, bytes: Uint8Array, mode = 0o644): Promise<string> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, name);
  const fh = await fs.open(file, 'a', mode);
  try {
    await fh.write(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return file;
}
