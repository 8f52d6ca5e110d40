/**
 * The mailer the twin's approval requests go through: each message lands in the outbox, then either the
 * terminal shows the link it carries (the twin's stand-in for the approvers' inbox), or, with
 * --auto-approve, the mail is answered at once.
 */
import type { Mailer, MailMessage } from '../src/ports/mailer';
import { linkIdFrom } from './auto-approve';

export interface ApprovalMailerOptions {
  /** Answers a sent approval mail (--auto-approve); absent, the link is printed for a person. */
  autoApprove?: (text: string) => Promise<void>;
  print?: (line: string) => void;
  baseUrl: () => string;
}

export function approvalMailer(outbox: Mailer, options: ApprovalMailerOptions): Mailer {
  const printLink = (text: string) => {
    const id = linkIdFrom(text);
    if (id) options.print?.(`approve or reject at ${options.baseUrl()}/approvals/${id}  (or: mlops approve ${id})`);
  };
  return {
    send: async (message: MailMessage) => {
      const sent = await outbox.send(message);
      // Deferred: the handler that mails the request finishes (its request stored) before the answer comes.
      if (options.autoApprove) setImmediate(() => void options.autoApprove!(message.text));
      else printLink(message.text);
      return sent;
    },
  };
}
