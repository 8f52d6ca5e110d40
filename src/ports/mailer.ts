/** Sends a message to the approvers. */
export interface MailMessage {
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
}
