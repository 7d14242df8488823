import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** One mail the sink kept: its envelope recipients and its text. */
export interface Mail {
  to: string[];
  text: string;
}

/**
 * A real SMTP server of a test's own (scripts/smtp-sink.py, Debian's aiosmtpd), keeping
 * each mail as a file.
 */
export class SmtpSink {
  private constructor(
    private readonly process: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<SmtpSink> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-sink-'));
    // Its input is a pipe from this worker: it ends when the worker does, however.
    const child = spawn('/usr/bin/python3', [path.resolve('../scripts/smtp-sink.py'), dir], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const m = /PORT=(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}): ${out}`)));
    });
    return new SmtpSink(child, port, dir);
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}?tls=none`;
  }

  /** The mails to `address` so far, oldest first. */
  mailsTo(address: string): Mail[] {
    const folder = path.join(this.dir, 'new');
    if (!fs.existsSync(folder)) return [];
    return fs
      .readdirSync(folder)
      .sort()
      .map((f) => {
        const text = fs.readFileSync(path.join(folder, f), 'utf8');
        const to = [...text.matchAll(/^X-Envelope-To: (.*)$/gm)].map((m) => m[1].trim());
        return { to, text };
      })
      .filter((m) => m.to.includes(address));
  }

  close() {
    this.process.stdin!.end();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A mail's text as a person reads it: quoted-printable soft breaks and escapes undone. */
export function readable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A real IMAP server of a test's own (scripts/imap-server.sh: Debian's dovecot with a
 * throwaway config); mail is put into its mailbox as a mail server would (IMAP APPEND).
 */
export class ImapServer {
  private constructor(
    private readonly process: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<ImapServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-imap-'));
    const child = spawn(path.resolve('../scripts/imap-server.sh'), [dir], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const m = /PORT=(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`dovecot exited (${code}): ${out}`)));
    });
    const server = new ImapServer(child, port, dir);
    // Listening once a login works.
    for (let i = 0; i < 200; i++) {
      try {
        server.deliver(null);
        return server;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('dovecot did not start listening');
  }

  get url() {
    return `imap://help:help-password@127.0.0.1:${this.port}/INBOX?tls=none`;
  }

  /** Puts `raw` into the mailbox (or, with null, only signs in). */
  deliver(raw: string | null) {
    const script = [
      'import imaplib, sys',
      `m = imaplib.IMAP4("127.0.0.1", ${this.port})`,
      'm.login("help", "help-password")',
      'data = sys.stdin.buffer.read()',
      'if data: m.append("INBOX", None, None, data)',
      'm.logout()',
    ].join('\n');
    execFileSync('/usr/bin/python3', ['-c', script], { input: raw ?? '' });
  }

  close() {
    this.process.stdin!.end();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
