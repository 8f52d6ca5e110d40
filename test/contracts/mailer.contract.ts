/** The Mailer port's contract: each message reaches the approvers with its subject and text, and its own id. */
import type { Mailer, MailMessage } from '../../src/ports/mailer';
import { useSubject, type MakeSubject } from './subject';

export interface MailerSubject {
  mailer: Mailer;
  /** What reached the approvers, in the order sent: the subject line and the plain-text body. */
  delivered(): Promise<Array<{ subject: string; text: string }>>;
}

const anApprovalMail = (n: number): MailMessage => ({
  subject: `Approve model 7 for staging (${n})`,
  text: `Loss 0.0812 under threshold 0.12.\nApprove: https://approvals.example.com/approvals/id-${n}\n`,
  html: `<p>Loss 0.0812 under threshold 0.12.</p><p><a href="https://approvals.example.com/approvals/id-${n}">Approve</a></p>`,
});

export function describeMailerContract(name: string, makeSubject: MakeSubject<MailerSubject>): void {
  describe(`Contract: Mailer — ${name}`, () => {
    const subject = useSubject(makeSubject);

    it('delivers each message with its subject and its text, in the order sent', async () => {
      const { mailer, delivered } = subject();
      await mailer.send(anApprovalMail(1));
      await mailer.send(anApprovalMail(2));

      const mails = await delivered();

      expect(mails.map((m) => m.subject)).toEqual([anApprovalMail(1).subject, anApprovalMail(2).subject]);
      expect(mails[1].text).toContain('Approve: https://approvals.example.com/approvals/id-2');
    });

    it('answers a distinct message id for every message', async () => {
      const { mailer } = subject();
      const ids = [(await mailer.send(anApprovalMail(1))).messageId, (await mailer.send(anApprovalMail(1))).messageId];

      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(2);
    });

    it('delivers a subject with a line break in it on one line', async () => {
      const { mailer, delivered } = subject();
      await mailer.send({ subject: 'Model 7\nrejected', text: 'Rejected by bob.' });

      const [mail] = await delivered();
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.subject.replace(/\s+/g, ' ')).toBe('Model 7 rejected');
    });
  });
}
