import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
  /** The message as it came over the wire (headers and body), e.g. for a spam filter. */
  raw: string;
  /** The name the client gave in EHLO/HELO. */
  helo: string;
  headers: ParsedMail['headers'];
}

/** A real SMTP server on loopback that keeps what it receives; it can be stopped and started on its port. */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | null = null;
  port = 0;

  /** `reject` answers a recipient with [code, text] to refuse it (e.g. 550 permanent, 451 try later). */
  constructor(private readonly reject: (to: string) => [number, string] | null = () => null) {}

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start() {
    const server = new SMTPServer({
      authOptional: true,
      // The client is this machine: no reverse DNS lookup (up to 1.5 s per connection on a sandboxed resolver).
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const refusal = this.reject(address.address);
        if (refusal) return callback(Object.assign(new Error(refusal[1]), { responseCode: refusal[0] }));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((mail: ParsedMail) => {
              const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
              this.received.push({
                to: to?.value[0]?.address ?? '',
                subject: mail.subject ?? '',
                text: mail.text ?? '',
                messageId: mail.messageId ?? '',
                raw: raw.toString('utf8'),
                helo: session.hostNameAppearsAs,
                headers: mail.headers,
              });
              callback();
            })
            .catch(callback);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop() {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string) {
    return this.received.filter((mail) => mail.to === address);
  }

  /**
   * Waits until `count` messages went to `address`; after `timeoutMs` (20 s) it fails, with what
   * `explain` says (e.g. the outbox rows and the app's mail log lines) in the error.
   */
  async waitFor(address: string, count = 1, options: { timeoutMs?: number; explain?: () => Promise<string> | string } = {}): Promise<ReceivedMail[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    while (this.to(address).length < count) {
      if (Date.now() > deadline) {
        const explained = options.explain ? `\n${await options.explain()}` : '';
        throw new Error(`expected ${count} mail(s) to ${address}, got ${this.to(address).length} (${this.received.length} received in all)${explained}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.to(address);
  }
}

/** The value of a `Label: value` line of a mail text. */
export function line(text: string, label: string): string {
  const match = new RegExp(`^${label}: (.+)$`, 'm').exec(text);
  if (!match) throw new Error(`no "${label}:" line in:\n${text}`);
  return match[1]!.trim();
}
