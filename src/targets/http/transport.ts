import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/**
 * HTTP on node:http with keep-alive agents, not fetch: undici's fetch builds WHATWG Request,
 * Response and stream objects per call, which at thousands of calls a second costs more CPU than
 * the harness itself may spend (DESIGN.md §5 Performance).
 */
export interface HttpResponse {
  status: number;
  statusText: string;
  header(name: string): string | undefined;
  text: string;
}

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

const MAX_REDIRECTS = 5;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class HttpTransport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = new URL(req.url);
    let method = req.method;
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const res = await this.once(url, method, req.headers, body, req.signal);
      const location = res.header("location");
      if (location && [301, 302, 303, 307, 308].includes(res.status) && hop < MAX_REDIRECTS) {
        url = new URL(location, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      return res;
    }
  }

  private once(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const secure = url.protocol === "https:";
    const send = secure ? httpsRequest : httpRequest;
    const allHeaders: Record<string, string | number> = { ...headers };
    if (body !== undefined) {
      if (!Object.keys(allHeaders).some((h) => h.toLowerCase() === "content-type")) {
        allHeaders["content-type"] = "application/json";
      }
      allHeaders["content-length"] = Buffer.byteLength(body);
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = send(url, { method, headers: allHeaders, agent: secure ? this.https : this.http, signal });
      req.on("error", reject);
      req.on("response", (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            res.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("aborted", () => reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
        res.on("end", () => {
          if (!res.complete) {
            reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
            return;
          }
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? "",
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return Array.isArray(v) ? v.join(", ") : v;
            },
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      req.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
