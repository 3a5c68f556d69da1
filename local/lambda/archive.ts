// Turns the AssetArchive that Pulumi serialized for a CallbackFunction into files on disk and a
// zip, the same content `pulumi up` would upload: `__index.js` plus the node_modules folders that
// computeCodePaths chose.
import * as fs from "node:fs";
import * as path from "node:path";
import { ZipFile } from "yazl";

interface SerializedAsset {
  text?: Promise<string> | string;
  path?: Promise<string> | string;
  assets?: Promise<Record<string, SerializedAsset>> | Record<string, SerializedAsset>;
}

/** Writes every asset of `archive` under `dir`; returns the archive's top-level names. */
export async function materializeArchive(archive: unknown, dir: string, projectDir = process.cwd()): Promise<string[]> {
  const assets = await (archive as SerializedAsset).assets;
  if (!assets) throw new Error("not an AssetArchive: it has no assets");
  fs.mkdirSync(dir, { recursive: true });
  const names = Object.keys(assets).sort();
  for (const name of names) {
    const asset = assets[name];
    const target = path.join(dir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (asset.text !== undefined) {
      fs.writeFileSync(target, await asset.text);
    } else if (asset.assets !== undefined) {
      await materializeArchive(asset, target, projectDir);
    } else if (asset.path !== undefined) {
      // FileAsset or FileArchive: paths are relative to the project, as the engine reads them.
      const source = path.resolve(projectDir, await asset.path);
      fs.cpSync(source, target, { recursive: true, dereference: true });
    } else {
      throw new Error(`unsupported asset in archive at ${name}`);
    }
  }
  return names;
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** Deflate-zips a folder with fixed timestamps, so the same content always gives the same bytes. */
export function zipDirectory(dir: string): Promise<Buffer> {
  const zip = new ZipFile();
  const fixed = new Date("2020-01-01T00:00:00Z");
  for (const rel of listFiles(dir)) {
    zip.addFile(path.join(dir, rel), rel, { mtime: fixed, mode: 0o100644, compress: true });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}
