"""Strings of the log-in gate: the log-in form, the password change, log-out, refusals."""

STRINGS = {
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.lock_note": ("连续输错 {n} 次密码后，账户将锁定 {minutes} 分钟。",
                        "After {n} wrong passwords the account is locked for {minutes} minutes."),
    "login.failed": ("用户名或密码错误", "Wrong username or password"),
    "login.busy": ("系统繁忙，请稍后再试。", "The system is busy; please try again in a moment."),
    "login.sso": ("统一身份认证登录", "Sign in with single sign-on"),
    "login.logout": ("退出登录", "Log out"),
    "login.no_access": ("您无权查看此页面或此区域。", "You may not open this page or area."),
    "password.title": ("修改初始密码", "Choose your password"),
    "password.one_time": ("您使用的是初始密码，请先设置新密码。",
                          "You logged in with a one-time password; choose your own first."),
    "password.current": ("当前密码", "Current password"),
    "password.new": ("新密码（至少 8 位）", "New password (8 characters or more)"),
    "password.repeat": ("再次输入新密码", "Repeat the new password"),
    "password.submit": ("修改密码", "Change password"),
    "password.differ": ("两次输入的新密码不一致", "The two new passwords differ"),
    "password.changed": ("密码已修改", "Password changed"),
}
