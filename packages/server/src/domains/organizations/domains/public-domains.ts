/** Domains of public e-mail providers: anyone can have an address there, so none can be an organization's. */
export const PUBLIC_EMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com', 'outlook.com', 'hotmail.com',
  'hotmail.co.uk', 'live.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'protonmail.com',
  'proton.me', 'pm.me', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'yandex.com', 'yandex.ru', 'zoho.com',
  'qq.com', '163.com', '126.com', 'mail.ru', 'inbox.ru', 'fastmail.com', 'tutanota.com', 'hey.com', 'orange.fr',
  'free.fr', 'laposte.net', 'libero.it', 'naver.com', 'daum.net', 'rediffmail.com',
]);
