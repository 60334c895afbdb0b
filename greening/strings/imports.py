"""Strings of the import page (数据导入): planting ledgers and boundary files, dry run then apply."""

STRINGS = {
    "nav.imports": ("数据导入", "Imports"),
    "imports.title": ("数据导入", "Imports"),
    "imports.tab.ledger": ("种植台账", "Planting ledger"),
    "imports.tab.boundaries": ("村界/镇界", "Boundaries"),
    "imports.ledger_file": ("台账文件（CSV、Excel .xlsx；KoboToolbox、ODK Central 导出可直接上传）",
                            "Ledger file (CSV, Excel .xlsx; KoboToolbox and ODK Central exports as downloaded)"),
    "imports.datum": ("未注明坐标系的行按", "Rows that do not name a datum are in"),
    "imports.summary": ("“{filename}”（{source}）：共 {total} 行；可导入 {valid} 行，有错误 {errors} 行，有提示 {warnings} 行，已导入过 {again} 行。",
                        "{filename!r} ({source}): {total} rows; {valid} can be imported, {errors} have errors, "
                        "{warnings} have warnings, {again} were imported before."),
    "imports.columns": ("识别的列", "Columns recognised"),
    "imports.ignored": ("未使用的列：{columns}", "Columns not used: {columns}"),
    "imports.issues": ("逐行问题", "Problems by row"),
    "imports.accept_valid": ("只导入无误的行（有错误的行不导入）", "Import only the valid rows (rows with errors are left out)"),
    "imports.apply": ("确认导入", "Import"),
    "imports.applied": ("已导入 {inserted} 行；跳过 {skipped} 行；未导入有错误的 {refused} 行。",
                        "Imported {inserted} rows; {skipped} skipped; {refused} rows with errors left out."),
    "imports.nothing": ("没有可导入的行。", "No row can be imported."),
    "imports.boundary_file": ("边界文件（Shapefile 打包 .zip、GeoPackage、GeoJSON）",
                              "Boundary file (zipped Shapefile, GeoPackage, GeoJSON)"),
    "imports.create_towns": ("缺少的镇街由本文件的村界合并生成", "Make missing towns from this file's villages"),
    "imports.keep_demo": ("保留示例区域（不停用）", "Keep the demo areas (do not retire them)"),
    "imports.plan": ("“{filename}”：坐标系 {crs}（{crs_source}），新增 {add}，修改 {change}，不变 {unchanged}，停用 {retire}，拒绝 {refuse}。",
                     "{filename!r}: CRS {crs} ({crs_source}); add {add}, change {change}, unchanged {unchanged}, "
                     "retire {retire}, refuse {refuse}."),
    "imports.missing_towns": ("缺少 {n} 个镇街（{codes}）：可勾选“缺少的镇街由本文件的村界合并生成”。",
                              "{n} towns missing ({codes}): tick “Make missing towns from this file's villages”."),
    "imports.boundaries_applied": ("已导入：新增 {added}，修改 {changed}，停用 {retired}；{moved} 条种植记录改变所在村。",
                                   "Imported: {added} added, {changed} changed, {retired} retired; {moved} plantings "
                                   "changed village."),
}
