/**
 * The baseline the download bench measures lanspread against: Debian's nginx serving a file over
 * TLS 1.3 from a throwaway config, fetched by curl into a new file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSelfSignedCert } from '../../src/identity/self-signed-cert.js';
import { missingTools } from './missing-tools.js';
import { onCores } from '../../test/scenarios/harness/peer-process.js';

const INSTALL_HINT = 'apt-get update && apt-get install -y nginx-light curl';

/** Throws, saying how to install them, when nginx, curl or taskset is not on PATH. */
export function requireBaselineTools(): void {
  const missing = missingTools([
    ['nginx', '-v'],
    ['curl', '--version'],
    ['taskset', '--version'],
  ]);
  if (missing.length > 0) {
    throw new Error(
      `the download bench runs nginx -> curl over TLS 1.3 as its baseline, pinned with taskset; ` +
        `not found on PATH: ${missing.join(', ')}. On Debian: ${INSTALL_HINT} ` +
        `(taskset is in util-linux)`,
    );
  }
}

/**
 * What a lancache-style nginx would run, in one process: sendfile and tcp_nopush on (nginx only
 * uses sendfile under TLS with kernel TLS, which OpenSSL and the kernel here may not offer; else it
 * reads the file and encrypts it with SSL_write), ssl_buffer_size at its default 16k, the cipher
 * OpenSSL and curl negotiate by default, no access log.
 */
function nginxConfig(dir: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    root ${dir}/www;
  }
}
`;
}

export const NGINX_CONFIG_SUMMARY =
  'one process, sendfile on, tcp_nopush on, ssl_buffer_size 16k (default), TLS 1.3 only, ' +
  'default ciphers, access_log off';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

export class NginxTls {
  private constructor(
    readonly port: number,
    readonly process: ChildProcess,
  ) {}

  /**
   * Starts nginx on `cpuList` serving the files of `dir/www` (the caller links its files there),
   * with a throwaway self-signed certificate; resolves once it accepts connections.
   */
  static async start(dir: string, cpuList: string | undefined): Promise<NginxTls> {
    await mkdir(join(dir, 'www'), { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const notBefore = new Date();
    const cert = createSelfSignedCert({
      privateKey,
      publicKey,
      commonName: '127.0.0.1',
      notBefore,
      notAfter: new Date(notBefore.getTime() + 24 * 3600 * 1000),
    });
    await writeFile(join(dir, 'cert.pem'), cert);
    await writeFile(
      join(dir, 'key.pem'),
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      { mode: 0o600 },
    );
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, nginxConfig(dir, port));
    const [file, ...args] = onCores(cpuList, [
      'nginx',
      '-p',
      dir,
      '-c',
      conf,
      '-e',
      join(dir, 'error.log'),
    ]);
    const child = spawn(file!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (child.exitCode !== null) break;
      if (await accepts(port)) return new NginxTls(port, child);
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error(`nginx did not start on port ${port} (see ${dir}/error.log): ${stderr.trim()}`);
  }

  /** The TLS version and cipher curl and this nginx agree on, as curl reports them. */
  negotiated(name: string): string {
    const probe = spawnSync('curl', [
      '-sS',
      '-v',
      '-k',
      '--tlsv1.3',
      '-r',
      '0-0',
      '-o',
      '/dev/null',
      this.url(name),
    ]);
    return /SSL connection using (.+)/.exec(probe.stderr.toString())?.[1]?.trim() ?? 'unknown';
  }

  /** curl fetching `name` into the new file `dst` over TLS 1.3, certificate unchecked. */
  curlCommand(name: string, dst: string): string[] {
    return ['curl', '--tlsv1.3', '-k', '-sS', '--fail', '-o', dst, this.url(name)];
  }

  url(name: string): string {
    return `https://127.0.0.1:${this.port}/${name}`;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGQUIT');
    await exited;
  }
}
