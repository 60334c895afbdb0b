"""The audit page's names for what the trail stores as codes: the tables and the actions."""
from __future__ import annotations

_TABLES = {
    "admin_areas": ("行政区划", "administrative areas"),
    "assignments": ("干部与专家派驻", "cadre and expert assignments"),
    "attestations": ("措施确认", "measure attestations"),
    "audit_log": ("审计日志", "audit log"),
    "care_checks": ("管护核查", "care checks"),
    "data_versions": ("数据版本", "data versions"),
    "designations": ("示范认定", "demonstration designations"),
    "greening_teams": ("护绿队", "greening teams"),
    "institutions": ("单位", "institutions"),
    "login_sessions": ("登录会话", "log-in sessions"),
    "measures": ("措施", "measures"),
    "outbox_messages": ("待发消息", "outgoing messages"),
    "people": ("人员", "people"),
    "photos": ("照片", "photos"),
    "planting_plans": ("种植计划", "planting plans"),
    "plantings": ("植树记录", "plantings"),
    "ranking_snapshots": ("红黑榜", "rankings"),
    "raster_layers": ("栅格图层", "raster layers"),
    "species": ("树种", "species"),
    "supervision_notices": ("督办单", "supervision notices"),
    "users": ("用户", "users"),
    "village_green_cover": ("村绿化覆盖", "village green cover"),
}
_ACTIONS = {
    "create": ("新建", "create"),
    "update": ("修改", "update"),
    "delete": ("删除", "delete"),
    "login": ("登录", "log-in"),
    "login_failed": ("登录失败", "failed log-in"),
    "login_locked": ("登录锁定", "log-in locked"),
    "logout": ("退出登录", "log-out"),
    "password_change": ("修改密码", "password changed"),
    "password_reset": ("重置密码", "password reset"),
    "compute": ("计算", "compute"),
    "export": ("导出", "export"),
    "import": ("导入", "import"),
    "freeze": ("冻结", "freeze"),
    "requeue": ("重新发送", "send again"),
    "demo_load": ("载入示例数据", "demo data loaded"),
}

STRINGS = {
    **{f"audit.table.{code}": pair for code, pair in _TABLES.items()},
    **{f"audit.do.{code}": pair for code, pair in _ACTIONS.items()},
    "audit.col.at_local": ("时间（北京时间）", "Time (Beijing)"),
}
