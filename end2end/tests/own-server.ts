import { expect } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { panicsIn } from './fixtures';

/**
 * A server of a test's own, on a free port with a fresh database and an admin made by
 * `helpdesk create-admin`. By default the debug build as start-server.sh runs it; `alone`
 * copies the binary into an empty folder and runs it there with no settings at all, as a
 * self-hoster who downloaded it would.
 */
export class OwnServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly args: string[],
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(
    options: { bin?: string; alone?: boolean; args?: string[]; argsFor?: (url: string) => string[] } = {},
  ): Promise<OwnServer> {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-own-'));
    // Only what a process needs: none of the machine's settings can leak into the server.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    let bin = path.resolve(options.bin ?? '../target/debug/helpdesk');
    let cwd = process.cwd();
    const args: string[] = [];
    if (options.alone) {
      if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build it with \`make release\``);
      fs.copyFileSync(bin, path.join(dir, 'helpdesk'));
      fs.chmodSync(path.join(dir, 'helpdesk'), 0o755);
      bin = path.join(dir, 'helpdesk');
      cwd = dir;
    } else {
      env.DATABASE_URL = `sqlite://${dir}/helpdesk.db`;
      args.push('--site-root', '../target/site');
    }
    execFileSync(bin, ['create-admin', '--username', 'admin', '--email', 'admin@example.com'], {
      cwd,
      env,
      input: 'admin-password-1\n',
    });
    args.push(...(options.args ?? []));
    // Settings that name the server's own address (public_url).
    args.push(...(options.argsFor?.(`http://127.0.0.1:${port}`) ?? []));
    const server = new OwnServer(port, bin, args, cwd, env, dir);
    await server.restart();
    return server;
  }

  async restart() {
    // Its log, read for panics when it closes.
    const log = fs.openSync(this.log, 'a');
    this.process = spawn(this.bin, ['serve', '--listen', `127.0.0.1:${this.port}`, ...this.args], {
      cwd: this.cwd,
      env: this.env,
      stdio: ['ignore', 'ignore', log],
    });
    fs.closeSync(log);
    await expect
      .poll(
        async () => {
          try {
            return (await fetch(`${this.url}/login`)).status;
          } catch {
            return 0;
          }
        },
        { timeout: 20_000 },
      )
      .toBe(200);
  }

  async stop() {
    const running = this.process;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  private get log() {
    return path.join(this.dir, 'server.log');
  }

  /** Stops the server and removes its folder (database, copied binary); fails the test if
   * the server panicked meanwhile. */
  async close() {
    await this.stop();
    const panics = panicsIn(this.log);
    fs.rmSync(this.dir, { recursive: true, force: true });
    expect(panics, 'panics in the server log').toEqual([]);
  }
}
