"""Refusals of one action (not of one row of a file): accounts, review, areas, shapes, exports, set-up.

Each entry is ``(code, zh, en)``: templates filled with named parameters, as in
:data:`greening.validation.catalogue.CATALOGUE`, which merges them with level ``"action"`` and
severity ``"error"``. Raise them with ``Refusal.of(code, **params)``.
"""
from __future__ import annotations

__all__ = ["ACTION_CODES"]

ACTION_CODES: list[tuple[str, str, str]] = [
    # -- accounts ------------------------------------------------------------------------------
    ("role_unknown", "未知角色 {value!r}", "unknown role {value!r}"),
    ("role_needs_area", "角色 {role} 需要区域代码", "role {role} needs an area code"),
    ("area_not_found", "区域代码 {code!r} 不存在", "no area with code {code!r}"),
    ("team_only_for_team_accounts", "只有护绿队账户可以关联护绿队", "only team accounts belong to a team"),
    ("team_not_in_village", "护绿队 {team_id} 不属于 {village}", "team {team_id} is not in village {village}"),
    ("user_not_found", "用户 {user_id} 不存在", "no user {user_id}"),
    ("username_invalid", "用户名 {username!r} 无效：2-60 个小写字母、数字或 . _ -",
     "user name {username!r} is not valid: 2-60 lower-case letters, digits, . _ -"),
    ("username_taken", "用户名 {username!r} 已被使用", "user name {username!r} is taken"),
    ("sso_subject_taken", "单点登录标识 {subject!r} 已关联其他用户", "{subject!r} is linked to another user"),
    ("county_code_example", "县区代码 {county!r} 应为 6 位（如 440823）",
     "county code {county!r} must be 6 digits, e.g. 440823"),
    ("passwords_differ", "两次输入的密码不一致", "the passwords do not match"),
    ("password_too_short", "密码至少 {limit} 个字符", "a password needs at least {limit} characters"),
    ("password_too_long", "密码最多 {limit} 个字符", "a password may have at most {limit} characters"),
    ("password_too_simple", "密码过于简单", "the password is too simple"),
    ("password_has_username", "密码不能包含用户名", "the password must not contain the user name"),
    ("password_current_wrong", "当前密码不正确", "the current password is wrong"),
    ("password_unchanged", "新密码不能与原密码相同", "the new password must differ from the old one"),
    ("account_role_unknown", "未知角色 {value!r}", "unknown role {value!r}"),
    ("account_role_needs_area", "角色 {role} 需要指定区域", "role {role} needs an area"),
    ("account_area_wrong_level", "角色 {role} 需要{level}级区域，而 {code} 是 {actual} 级",
     "role {role} needs a {level} area, {code} is a {actual}"),
    ("account_scope_bad", "区域 {code} 的范围编码有误", "area {code} has a bad scope prefix"),
    ("language_unknown", "未知语言 {lang!r}", "unknown language {lang!r}; expected one of {langs}"),

    # -- review --------------------------------------------------------------------------------
    ("review_already_decided", "记录 {planting_id} 已是“{status}”状态", "record {planting_id} is already {status}"),
    ("reject_reason_missing", "退回必须填写原因", "a rejection needs a reason"),
    ("reject_reason_too_long", "原因最多 {limit} 字", "the reason may have at most {limit} characters"),
    ("period_bad", "期间 {period!r} 应写作 2024、2024-03 或 2024-Q2",
     "period {period!r} must look like 2024, 2024-03 or 2024-Q2"),
    ("spot_check_share_bad", "抽查比例 {share} 应在 0 到 1 之间", "share {share} must be in (0, 1]"),
    ("review_flag_unknown", "未知的标记 {flag!r}", "unknown flag {flag!r}"),

    # -- area codes ----------------------------------------------------------------------------
    ("area_level_unknown", "未知的区划层级 {level!r}", "unknown area level {level!r}"),
    ("area_code_not_12_digits", "区划代码 {code!r} 不是12位数字", "area code {code!r} is not 12 digits"),
    ("area_prefix_bad", "区划前缀 {prefix!r} 应为4、6、9或12位数字",
     "area prefix {prefix!r} must be 4, 6, 9 or 12 digits"),
    ("area_code_no_county", "区划代码 {code!r} 没有县区部分", "area code {code!r} has no county part"),
    ("county_code_not_6_digits", "县区代码“{county}”应为6位数字", "county code {county!r} must be 6 digits"),
    ("county_option_bad", "县区代码 {county!r} 应为以 4408 开头的6位数字", "--county must be a 6-digit Zhanjiang adcode"),
    ("county_adcode_bad", "区县代码 {county!r} 无效，应为 4408 开头的 6 位数字",
     "county adcode {county!r} must be 6 digits starting with 4408"),
    ("as_of_bad", "日期 {value!r} 应为 YYYY-MM-DD", "--as-of must be YYYY-MM-DD"),

    # -- coordinates and shapes ----------------------------------------------------------------
    ("crs_unrecognised", "无法识别坐标系：x 范围 {x_range}，y 范围 {y_range}",
     "cannot recognise the coordinate system: x spans {x_range} and y spans {y_range}; expected one of "
     "{expected}{swap_hint}"),
    ("crs_missing", "数据没有坐标系", "the data has no CRS; pass crs= or use guess_crs() first"),
    ("not_lonlat", "坐标不是经纬度：x 范围 {x_range}，y 范围 {y_range}",
     "coordinates are not longitude/latitude: x spans {x_range}, y spans {y_range}; convert to {crs} first"),
    ("no_finite_coordinates", "没有有效的 {axis} 坐标", "no finite {axis} coordinates to recognise a CRS from"),
    ("geometry_absent", "缺少图形", "geometry is missing (None or NaN)"),
    ("not_a_geometry", "不是图形：{value!r}", "not a geometry: {value!r}"),
    ("geometry_empty", "图形为空", "geometry is empty: {wkt}"),
    ("geometry_not_finite", "图形坐标含无效数值", "geometry has NaN or infinite coordinates: {wkt}"),
    ("repair_no_area", "{what}，修复后没有面积", "{what_en}; no area left after repair"),
    ("repair_loops_cancel", "{what}，各部分相互抵消，按原样面积几乎为零；请在源数据中修正、边不要交叉",
     "{what_en}; its loops cancel each other out, so as drawn it has about zero area; fix it at its "
     "source without crossing edges"),
    ("repair_changes_area", "{what}，自动修复会使面积变化 {change}（上限 {limit}），请在源数据中修正",
     "{what_en}: repairing it changes the area by {change} (limit {limit}); fix the boundary at its source"),
    ("gcj02_needs_lonlat", "GCJ-02 转换需要经纬度（EPSG:4326），当前坐标系为 {crs}",
     "GCJ-02 conversion needs longitude/latitude (EPSG:4326), got CRS {crs!r}"),
    ("village_without_polygon", "村界缺失或不是面", "village without a polygon: {codes}"),

    # -- coverage ------------------------------------------------------------------------------
    ("coverage_engine_unknown", "未知的空间连接引擎 {engine!r}，应为 {choices_zh}",
     "unknown coverage engine {engine!r}: use one of {choices}"),
    ("dask_unreachable", "无法连接 dask 调度器 {address}",
     "cannot reach the dask scheduler {address} (GREENING_DASK_SCHEDULER): {reason}"),
    ("score_weights_bad", "权重须非负且不全为零", "score weights must be non-negative, not all 0: {weights}"),

    # -- exports, backups, files ---------------------------------------------------------------
    ("export_format_unknown", "未知导出格式“{fmt}”", "unknown export format {fmt!r}; use geojson, gpkg or shp"),
    ("backup_format_unsupported", "备份格式 {format} 不受支持", "unsupported backup format"),
    ("backup_backend_differs", "备份来自 {backend}，不能恢复到 {target}",
     "a {backend} backup cannot be restored into {target}"),
    ("output_folder_not_empty", "输出文件夹 {path} 不是空的", "output folder {path} is not empty"),
    ("output_not_xlsx", "输出文件应为 .xlsx：{path}", "the output file must end in .xlsx: {path}"),
    ("file_exists", "文件已存在，不会覆盖：{path}", "{path} exists; it will not be overwritten"),
    ("tianditu_key_missing", "天地图需要密钥（GREENING_TIANDITU_KEY）", "Tianditu needs a key (GREENING_TIANDITU_KEY)"),

    # -- set-up, demo data, shipped tables -----------------------------------------------------
    ("database_not_initialised", "数据库尚未初始化，请先运行 `python -m greening init`",
     "the database is not set up yet: run `python -m greening init`"),
    ("demo_needs_empty_database", "数据库已有 {areas} 个区域，示例数据只能载入空数据库",
     "the database already holds {areas} areas; demo data loads only into an empty database"),
    ("demo_plantings_count_bad", "示例植树记录数应为 0 或 {minimum}–{maximum}",
     "demo plantings must be 0 or between {minimum} and {maximum}, got {value}"),
    ("species_file_columns", "物种目录 {path} 缺少列", "species file lacks columns {missing}"),
    ("species_row_no_name", "{path} 第 {row} 行缺少中文名", "row {row}: empty name_zh"),
    ("species_row_category", "{path} 第 {row} 行类别无效", "row {row}: category {value!r} is not one of {choices}"),
    ("species_row_native", "{path} 第 {row} 行 native 应为 true/false", "row {row}: native {value!r}"),
    ("species_repeated", "{path} 物种重复", "repeated species {names}"),
    ("string_key_twice", "界面文字键重复", "interface string key defined twice: {key} ({module})"),
]
