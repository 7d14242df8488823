import { expect } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { troubleIn } from './fixtures';

/** The journeys' binary: the debug build by default, E2E_BIN (the release build) when set. */
export const E2E_BIN = path.resolve(process.env.E2E_BIN ?? '../target/debug/helpdesk');
/** The compiled site the journeys' binary was built with (the release build embeds its copy). */
export const E2E_SITE = path.resolve(E2E_BIN.includes('/target/debug/') ? '../target/site' : '../target/release-site');
/** With E2E_SCALE_OUT=1 every server of the journeys is two app servers on one PostgreSQL
 * database behind proxy.mjs (issue 25), the scale-out setup. */
const SCALE_OUT = !!process.env.E2E_SCALE_OUT;

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A server of a test's own, on a free port with a fresh database and an admin made by
 * `helpdesk create-admin`. By default the journeys' binary as start-server.sh runs it;
 * `alone` copies the binary into an empty folder and runs it there with no settings at
 * all, as a self-hoster who downloaded it would. In the scale-out run (E2E_SCALE_OUT) it is
 * two servers on a PostgreSQL database of its own behind the proxy, as the shared one.
 */
export class OwnServer {
  private processes: ChildProcess[] = [];

  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly args: string[],
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
    private readonly upstreams: number[],
    private readonly database: { cluster: string; name: string } | undefined,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(
    options: {
      bin?: string;
      alone?: boolean;
      args?: string[];
      argsFor?: (url: string) => string[];
      /** A folder to serve the compiled site from instead of the build's own. */
      site?: string;
    } = {},
  ): Promise<OwnServer> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-own-'));
    // Only what a process needs: none of the machine's settings can leak into the server.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    let bin = path.resolve(options.bin ?? E2E_BIN);
    let cwd = process.cwd();
    const args: string[] = [];
    let database: { cluster: string; name: string } | undefined;
    const upstreams: number[] = [];
    if (options.alone) {
      if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build it with \`make release\``);
      fs.copyFileSync(bin, path.join(dir, 'helpdesk'));
      fs.chmodSync(path.join(dir, 'helpdesk'), 0o755);
      bin = path.join(dir, 'helpdesk');
      cwd = dir;
    } else if (SCALE_OUT) {
      const started = execFileSync('../scripts/postgres.sh', ['start']).toString();
      const cluster = started.trim().split('=', 2)[1];
      database = { cluster, name: `own_${port}` };
      execFileSync('psql', ['-q', cluster, '-c', `CREATE DATABASE ${database.name}`]);
      env.DATABASE_URL = `${cluster.replace(/\/[^/]*$/, '')}/${database.name}`;
      upstreams.push(await freePort(), await freePort());
    } else {
      env.DATABASE_URL = `sqlite://${dir}/helpdesk.db`;
    }
    // The debug build reads the site cargo-leptos built; the release build has it inside.
    if (options.site) args.push('--site-root', options.site);
    else if (!options.alone && bin.includes('/target/debug/')) args.push('--site-root', '../target/site');
    execFileSync(bin, ['create-admin', '--username', 'admin', '--email', 'admin@example.com'], {
      cwd,
      env,
      input: 'admin-password-1\n',
    });
    args.push(...(options.args ?? []));
    // Settings that name the server's own address (public_url).
    args.push(...(options.argsFor?.(`http://127.0.0.1:${port}`) ?? []));
    const server = new OwnServer(port, bin, args, cwd, env, dir, upstreams, database);
    await server.restart();
    return server;
  }

  async restart() {
    // Its log, read for panics when it closes.
    const log = fs.openSync(this.log, 'a');
    const serve = (listen: number, more: string[]) =>
      spawn(this.bin, ['serve', '--listen', `127.0.0.1:${listen}`, ...more, ...this.args], {
        cwd: this.cwd,
        env: this.env,
        stdio: ['ignore', 'ignore', log],
      });
    if (this.upstreams.length === 0) {
      this.processes = [serve(this.port, [])];
    } else {
      // Each app server with a data folder of its own, as on separate machines.
      this.processes = this.upstreams.map((u, n) => serve(u, ['--data-dir', path.join(this.dir, `server-${n}`)]));
      await Promise.all(this.upstreams.map((u) => OwnServer.answering(`http://127.0.0.1:${u}`)));
      // The proxy's own lines go to the test run's output: the log is the servers' alone,
      // every line of it their logger's (`troubleIn`).
      this.processes.push(
        spawn('node', ['proxy.mjs', String(this.port), ...this.upstreams.map(String)], {
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      );
    }
    fs.closeSync(log);
    await OwnServer.answering(this.url);
  }

  private static async answering(url: string) {
    await expect
      .poll(
        async () => {
          try {
            return (await fetch(`${url}/login`)).status;
          } catch {
            return 0;
          }
        },
        { timeout: 20_000 },
      )
      .toBe(200);
  }

  async stop() {
    const running = this.processes.filter((p) => p.exitCode === null);
    const exited = running.map((p) => new Promise((resolve) => p.once('exit', resolve)));
    for (const p of running) p.kill('SIGTERM');
    await Promise.all(exited);
    this.processes = [];
  }

  private get log() {
    return path.join(this.dir, 'server.log');
  }

  /** Stops the server and removes its folder (database, copied binary); fails the test if
   * the server panicked meanwhile or wrote past its logger (`troubleIn`). */
  async close() {
    await this.stop();
    if (this.database) {
      const { cluster, name } = this.database;
      execFileSync('psql', ['-q', cluster, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
    }
    const trouble = troubleIn(this.log);
    fs.rmSync(this.dir, { recursive: true, force: true });
    expect(trouble, 'panics, or lines its logger did not write, in the server log').toEqual([]);
  }
}
