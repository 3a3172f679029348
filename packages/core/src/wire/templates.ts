/** Wire types of e-mail and SMS templates. */

/** A template: the built-in default (`resource_type` system) or the instance's stored override (user). */
export interface TemplateJSON {
  id: string;
  object: 'template';
  instance_id: string | null;
  resource_type: 'system' | 'user';
  template_type: 'email' | 'sms';
  name: string;
  slug: string;
  position: number;
  can_revert: boolean;
  can_delete: boolean;
  can_edit_body: boolean;
  can_toggle: boolean;
  subject: string | null;
  markup: string;
  body: string;
  available_variables: string[];
  required_variables: string[];
  from_email_name: string | null;
  reply_to_email_name: string | null;
  delivered_by_clerk: boolean;
  enabled: boolean;
  flagged_as_suspicious: boolean;
  updated_at: number;
  created_at: number;
}

/** A template rendered with sample data. */
export interface TemplatePreviewJSON {
  object: 'template_preview';
  subject: string | null;
  body: string;
  from_email_name: string | null;
}
