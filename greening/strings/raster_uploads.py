"""Interface strings of raster imports (the browser limit, what to do with a larger file, the
progress of an import) and of the change between two layers of the same kind."""
STRINGS = {
    "rasters.upload_limit": ("浏览器上传最大 {mb} MB（一个 ESA WorldCover 3°×3° 图块约 80–180 MB）。更大的文件请在服务器上用命令行导入："
                             "`python -m greening import-raster 文件 --kind landcover --year 年份`。",
                             "Browser uploads up to {mb} MB (one ESA WorldCover 3° x 3° tile is about 80-180 MB). "
                             "Import a larger file on the server with `python -m greening import-raster FILE --kind "
                             "landcover --year YEAR`."),
    "gc.change_between": ("变化：{later} 年 · {later_source} 对比 {year} 年 · {source}（同类影像）",
                          "Change: {later} · {later_source} against {year} · {source} (same kind of raster)"),
    "rasters.stage.checksum": ("计算校验和", "computing the checksum"),
    "rasters.stage.check": ("检查文件（坐标系、范围、无数据值、大小）", "checking the file (CRS, footprint, nodata, size)"),
    "rasters.stage.overlay": ("绘制地图预览图", "drawing the map overlay"),
    "rasters.stage.villages": ("计算各村绿化覆盖率", "computing every village's green cover"),
    "rasters.stage.store": ("保存文件和结果", "storing the file and the figures"),
    "rasters.progress": ("导入中：{stage}（{pct}）", "Importing: {stage} ({pct})"),
    "gc.overlay_canopy": ("冠层影像 {year}", "Canopy {year}"),
    "rasters.no_file": ("请先选择要导入的 GeoTIFF 文件。", "Choose the GeoTIFF file to import first."),
}
