import type { Mail } from '../../infra/mail'

/**
 * The mails the gallery sends, each in both languages (Chinese first, as the app's default, then
 * English) in one message: the recipient's language is not stored anywhere, and a security mail must
 * be readable by whoever gets it. Plain text plus a simple HTML part with the same words.
 */

interface Part { zh: string[], en: string[] }

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }[c] ?? c))

function compose(to: string, subject: { zh: string, en: string }, body: Part, link?: string): Mail {
  const text = [
    ...body.zh, ...(link ? ['', link] : []), '',
    '—', '',
    ...body.en, ...(link ? ['', link] : []), '',
  ].join('\n')
  const paragraphs = (lines: string[], lang: string) => `<div lang="${lang}">${lines.map(line => `<p>${escapeHtml(line)}</p>`).join('')}${
    link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : ''}</div>`
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5;max-width:36em">${
    paragraphs(body.zh, 'zh')}<hr>${paragraphs(body.en, 'en')}</body></html>`
  return { to, subject: `${subject.zh} / ${subject.en}`, text, html }
}

const ignoreZh = '如果这不是你本人的操作，请忽略本邮件。'
const ignoreEn = 'If this was not you, ignore this mail.'
const actZh = '如果这不是你本人的操作，请立即修改密码并检查已登录的设备。'
const actEn = 'If this was not you, change your password now and check your signed-in devices.'

export function verifyEmailMail(to: string, username: string, link: string): Mail {
  return compose(to, { zh: '验证你的邮箱', en: 'Verify your email' }, {
    zh: [`${username}，你好：`, '请打开下面的链接，确认这是你在相册中使用的邮箱。链接 24 小时内有效，只能使用一次。', ignoreZh],
    en: [`Hello ${username},`, 'Open the link below to confirm this is the address for your gallery account. It works once, within 24 hours.', ignoreEn],
  }, link)
}

export function resetPasswordMail(to: string, username: string, link: string): Mail {
  return compose(to, { zh: '重置密码', en: 'Reset your password' }, {
    zh: [`${username}，你好：`, '有人请求重置你的相册账户密码。打开下面的链接即可设置新密码；链接 30 分钟内有效，只能使用一次，设置后所有设备都需要重新登录。', ignoreZh],
    en: [`Hello ${username},`, 'Someone asked to reset the password of your gallery account. Open the link below to set a new one; it works once, within 30 minutes, and every device will have to sign in again.', ignoreEn],
  }, link)
}

export function passwordChangedMail(to: string, username: string): Mail {
  return compose(to, { zh: '你的密码已修改', en: 'Your password was changed' }, {
    zh: [`${username}，你好：`, '你的相册账户密码刚刚被修改。', actZh],
    en: [`Hello ${username},`, 'The password of your gallery account was just changed.', actEn],
  })
}

export function twoFactorChangedMail(to: string, username: string, enabled: boolean): Mail {
  return enabled
    ? compose(to, { zh: '两步验证已开启', en: 'Two-factor sign-in turned on' }, {
        zh: [`${username}，你好：`, '你的相册账户已开启两步验证：登录时除密码外还需要验证器中的验证码。', actZh],
        en: [`Hello ${username},`, 'Two-factor sign-in is now on for your gallery account: signing in takes a code from your authenticator app as well as the password.', actEn],
      })
    : compose(to, { zh: '两步验证已关闭', en: 'Two-factor sign-in turned off' }, {
        zh: [`${username}，你好：`, '你的相册账户已关闭两步验证：现在只凭密码即可登录。', actZh],
        en: [`Hello ${username},`, 'Two-factor sign-in is now off for your gallery account: the password alone signs in.', actEn],
      })
}

export function newDeviceMail(to: string, username: string, device: string, when: Date): Mail {
  const time = when.toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
  return compose(to, { zh: '新设备登录提醒', en: 'Sign-in from a new device' }, {
    zh: [`${username}，你好：`, `你的相册账户刚刚在一台新设备上登录（${time}）。`, `设备：${device}`, actZh],
    en: [`Hello ${username},`, `Your gallery account was just signed in from a new device (${time}).`, `Device: ${device}`, actEn],
  })
}
