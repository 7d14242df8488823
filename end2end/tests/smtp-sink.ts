import { ChildProcess, spawn } from 'child_process';
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
    const child = spawn('/usr/bin/python3', [path.resolve('../scripts/smtp-sink.py'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
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
    this.process.kill();
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
