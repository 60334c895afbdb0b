"""Strings of the app's navigation (ui/app_navigation.py)."""

STRINGS = {
    # a county's or town's lead: the menu entry says what the page's title says (辖区总览)
    "nav.overview_area": ("辖区总览", "Overview of your area"),
    "measures.guideline": ("《党建引领乡村绿化工作指引》", "From the guideline for Party-led village greening"),
    "nav.not_open": ("您的角色不能打开“{page}”页面，现在显示的是您的首页。",
                     "The page “{page}” is not open to your role; this is your home page."),
}
