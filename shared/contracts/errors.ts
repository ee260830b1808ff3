/**
 * Every error the API can answer, in one table: the HTTP status and the seed's (Chinese) message
 * the JSON body carries. The web app translates `errors.<code>` (i18n/locales); the OpenAPI document
 * lists these codes. A route never invents a code that is not here.
 */
export const ERROR_CODES = {
  // 400
  BAD_REQUEST: { status: 400, message: '请求无效' },
  VALIDATION_ERROR: { status: 400, message: '请求无效' },
  INVALID_JSON: { status: 400, message: '请求体不是有效的 JSON' },
  INVALID_ID: { status: 400, message: '图片ID无效' },
  INVALID_ALBUM_ID: { status: 400, message: '相册ID无效' },
  INVALID_SHARE_ID: { status: 400, message: '分享ID无效' },
  INVALID_FILENAME: { status: 400, message: '文件名须为 1–255 个字符' },
  INVALID_QUERY: { status: 400, message: '查询参数无效：limit 须为 1–100 的整数，before 须为图片ID，favorite 须为 true 或 false，sort 须为 uploaded 或 taken，q 不超过 100 个字符' },
  INVALID_CURSOR: { status: 400, message: '分页参数无效' },
  INVALID_VARIANT: { status: 400, message: 'variant 只能是 original 或 thumb' },
  NO_FILE: { status: 400, message: '请选择文件' },
  EMPTY_FILE: { status: 400, message: '文件为空' },
  INVALID_IMAGE: { status: 400, message: '图片已损坏或无法读取' },
  IMAGE_TOO_LARGE: { status: 400, message: '图片像素过多' },
  TOO_MANY_FILES: { status: 400, message: '一次只能上传一个文件' },
  BAD_MULTIPART: { status: 400, message: '上传数据格式错误' },
  UPLOAD_ABORTED: { status: 400, message: '上传已中断' },
  TOTP_CODE_INVALID: { status: 400, message: '验证码错误，请输入验证器中当前的 6 位数字' },
  EMAIL_INVALID: { status: 400, message: '邮箱地址格式不正确' },
  TOKEN_INVALID: { status: 400, message: '链接无效' },
  TOKEN_USED: { status: 400, message: '链接已使用过，请重新申请' },
  TOKEN_EXPIRED: { status: 400, message: '链接已过期，请重新申请' },
  INVITE_INVALID: { status: 400, message: '邀请链接无效、已使用或已过期' },
  INVALID_SESSION_ID: { status: 400, message: '会话ID无效' },
  INVALID_USER_ID: { status: 400, message: '用户ID无效' },
  // 401 / 403 / 404 / 405 / 408 / 409
  INVALID_CREDENTIALS: { status: 401, message: '用户名或密码错误' },
  UNAUTHORIZED: { status: 401, message: '未登录或登录已过期' },
  TOTP_REQUIRED: { status: 401, message: '请输入两步验证码' },
  TOTP_INVALID: { status: 401, message: '验证码错误或已使用' },
  SHARE_PASSWORD_REQUIRED: { status: 401, message: '此分享需要密码' },
  SHARE_PASSWORD_WRONG: { status: 401, message: '分享密码错误' },
  CSRF_REJECTED: { status: 403, message: '跨站请求被拒绝' },
  DOWNLOAD_NOT_ALLOWED: { status: 403, message: '此分享不允许下载原图' },
  FORBIDDEN: { status: 403, message: '需要管理员权限' },
  WRONG_PASSWORD: { status: 403, message: '当前密码错误' },
  ACCOUNT_DISABLED: { status: 403, message: '账户已被停用' },
  REGISTRATION_CLOSED: { status: 403, message: '注册已关闭' },
  INVITE_REQUIRED: { status: 403, message: '注册需要邀请链接' },
  NOT_FOUND: { status: 404, message: '接口不存在' },
  EMAIL_UNAVAILABLE: { status: 404, message: '未启用邮件功能' },
  IMAGE_NOT_FOUND: { status: 404, message: '图片不存在' },
  ALBUM_NOT_FOUND: { status: 404, message: '相册不存在' },
  SHARE_NOT_FOUND: { status: 404, message: '分享链接不存在或已失效' },
  SHARE_EXPIRED: { status: 410, message: '分享链接已过期' },
  USER_NOT_FOUND: { status: 404, message: '用户不存在' },
  SESSION_NOT_FOUND: { status: 404, message: '会话不存在' },
  METHOD_NOT_ALLOWED: { status: 405, message: '不支持的请求方法' },
  UPLOAD_TIMEOUT: { status: 408, message: '上传超时：长时间未收到数据' },
  USERNAME_TAKEN: { status: 409, message: '用户名已存在' },
  TOTP_ENABLED: { status: 409, message: '两步验证已开启' },
  TOTP_NOT_PENDING: { status: 409, message: '请先开始设置两步验证' },
  DUPLICATE_IMAGE: { status: 409, message: '图片已存在于你的图库中' },
  LAST_ADMIN: { status: 409, message: '不能移除最后一位管理员' },
  // 413 / 415 / 416 / 429
  FILE_TOO_LARGE: { status: 413, message: '文件过大，单个文件不能超过 16MB' },
  PAYLOAD_TOO_LARGE: { status: 413, message: '请求体过大' },
  QUOTA_EXCEEDED: { status: 413, message: '存储配额已用完' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: '请求必须是 JSON 格式' },
  UNSUPPORTED_TYPE: { status: 415, message: '不允许的文件类型' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: '请求的范围无效' },
  RATE_LIMITED: { status: 429, message: '尝试次数过多，请稍后再试' },
  // 5xx
  INTERNAL_ERROR: { status: 500, message: '服务器内部错误' },
  STORAGE_ERROR: { status: 500, message: '文件保存失败，请稍后再试' },
  SERVICE_UNAVAILABLE: { status: 503, message: '服务暂时不可用，请稍后再试' },
  STORAGE_UNAVAILABLE: { status: 503, message: '存储服务暂时不可用，请稍后再试' },
  INSUFFICIENT_STORAGE: { status: 507, message: '存储空间不足，上传失败' },
} as const satisfies Record<string, { status: number, message: string }>

export type ErrorCode = keyof typeof ERROR_CODES

/** The body of every API error. */
export interface ApiErrorBody {
  message: string
  code: ErrorCode | (string & {})
}
