"""Strings of the app's navigation (ui/app_navigation.py)."""

STRINGS = {
    "nav.not_open": ("您的角色不能打开“{page}”页面，现在显示的是您的首页。",
                     "The page “{page}” is not open to your role; this is your home page."),
}
