// rcu-lab serve: the comparison page (site/) from a small node:http server on 127.0.0.1.
// A page whose CPUs share one WebAssembly.Memory must be cross-origin isolated, so every
// response (the page, its modules, each worker script, the .wasm, errors too) carries
// Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp,
// and scripts a JavaScript content type (a module worker served as anything else fails
// without a message). The same server, with `isolation: false` and another root, serves the
// static build (scripts/build-site.mjs) the way a host that cannot set headers would.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DEFAULT_PORT = 8417;
export const HOST = "127.0.0.1";

/** The package root (dist/bindings/cli/ -> three levels up). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** What the page needs from the package root; nothing else is served from it. */
export const PACKAGE_DIRS = ["site/", "dist/bindings/", "build/", "results/", "profiles/", "examples/"];

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

export interface ServeOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default DEFAULT_PORT. */
  port?: number;
  /** Directory served. Default: the package root, limited to PACKAGE_DIRS. */
  root?: string;
  /** Send the COOP/COEP headers (default true); false: as a plain static host. */
  isolation?: boolean;
  /** Where `/` redirects. Default "/site/" for the package root, else "/". */
  index?: string;
}

export interface Server {
  /** The page's URL. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function startServer(o: ServeOptions = {}): Promise<Server> {
  const root = path.resolve(o.root ?? PACKAGE_ROOT);
  const limited = o.root === undefined;
  const index = o.index ?? (limited ? "/site/" : "/");
  const isolation = o.isolation ?? true;
  const server = http.createServer((req, res) => {
    const headers: Record<string, string> = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", ...(isolation ? ISOLATION_HEADERS : {}) };
    const send = (status: number, body: string, type = "text/plain; charset=utf-8", extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, "Content-Type": type, ...extra });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, `method ${req.method} not allowed: GET or HEAD\n`, undefined, { Allow: "GET, HEAD" });
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return send(400, "bad URL encoding\n");
    }
    if (rel === "/favicon.ico") return send(204, "");
    if (rel === "/" && index !== "/") return send(302, `see ${index}\n`, undefined, { Location: index });
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
    const inside = file.startsWith(root + path.sep) && (!limited || PACKAGE_DIRS.some((d) => file.startsWith(path.join(root, d))));
    if (!inside) return send(404, `not found: ${rel}\n`);
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        if (!err && st.isDirectory()) return send(302, `see ${rel}/\n`, undefined, { Location: `${rel}/` });
        return send(404, `not found: ${rel}${rel.startsWith("/build/") || rel.startsWith("/dist/") ? " (run npm run build)" : ""}\n`);
      }
      res.writeHead(200, { ...headers, "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Content-Length": String(st.size) });
      if (req.method === "HEAD") return res.end();
      fs.createReadStream(file).on("error", () => res.destroy()).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "EADDRINUSE" ? new Error(`port ${o.port ?? DEFAULT_PORT} on ${HOST} is in use: choose another with --port (0 picks a free one)`) : e);
    });
    server.listen(o.port ?? DEFAULT_PORT, HOST, () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://${HOST}:${port}${index}`,
        port,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
