/** Wire types of messages sent to a user's e-mail address or phone number, with their delivery status. */

/** An e-mail and where its delivery stands (queued, sending, delivered, failed, or outbox without SMTP). */
export interface EmailJSON {
  id: string;
  object: 'email';
  from_email_name: string | null;
  email_address_id: string | null;
  to_email_address: string;
  subject: string | null;
  body: string;
  body_plain: string | null;
  status: string;
  slug: string | null;
  data: Record<string, unknown>;
  delivered_by_clerk: boolean;
  user_id: string | null;
  created_at: number;
  updated_at: number;
}

/** An SMS and where its delivery stands. */
export interface SmsMessageJSON {
  id: string;
  object: 'sms_message';
  from_phone_number: string | null;
  to_phone_number: string;
  message: string;
  status: string;
  phone_number_id: string | null;
  user_id: string | null;
  slug: string | null;
  data: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}
