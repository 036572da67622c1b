//! The raw-file archive: every ingested file is kept as it arrived, under
//! `raw/<sha256[0..2]>/<sha256>.<ext>`, so an indicator can always be traced back to the bytes
//! it came from. Content-addressed, so re-archiving the same file is a no-op; on a local data
//! directory the copy is made read-only. Large files are streamed, never held in memory.

use std::io::Read;

use deltalake::logstore::object_store::{path::Path as ObjectPath, ObjectStoreExt, WriteMultipart};
use marsad_pipelines::RawFile;

use crate::error::{Result, WarehouseError};
use crate::location::Location;

/// Where a raw file is archived, relative to the data directory.
pub fn relative_path(file: &RawFile) -> String {
    let ext = file.extension();
    let ext = if ext.is_empty() {
        "bin".to_string()
    } else {
        ext
    };
    format!("raw/{}/{}.{}", &file.sha256[..2], file.sha256, ext)
}

/// Archive `file`; returns its relative path.
pub async fn store(loc: &Location, file: &RawFile) -> Result<String> {
    let rel = relative_path(file);
    let err = |action: &'static str, detail: String| WarehouseError::Archive {
        action,
        file: file.name.clone(),
        detail,
    };
    if let Some(dir) = loc.local_dir() {
        let target = dir.join(&rel);
        if target.exists() {
            return Ok(rel);
        }
        let parent = target.parent().unwrap_or(&dir).to_path_buf();
        std::fs::create_dir_all(&parent)
            .map_err(|e| err("create the folder for", e.to_string()))?;
        let tmp = parent.join(format!(".{}.partial", file.sha256));
        std::fs::copy(&file.path, &tmp).map_err(|e| err("copy", e.to_string()))?;
        let mut perms = std::fs::metadata(&tmp)
            .map_err(|e| err("read permissions of", e.to_string()))?
            .permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&tmp, perms).map_err(|e| err("make read-only", e.to_string()))?;
        std::fs::rename(&tmp, &target).map_err(|e| err("move into place", e.to_string()))?;
        return Ok(rel);
    }
    let store = deltalake::logstore::store_for(loc.root(), loc.options().clone())
        .map_err(|e| err("open the object store for", e.to_string()))?;
    let path = ObjectPath::from(rel.as_str());
    if store.head(&path).await.is_ok() {
        return Ok(rel);
    }
    let upload = store
        .put_multipart(&path)
        .await
        .map_err(|e| err("start the upload of", e.to_string()))?;
    let mut writer = WriteMultipart::new(upload);
    let mut reader = std::fs::File::open(&file.path).map_err(|e| err("open", e.to_string()))?;
    let mut buf = vec![0u8; 8 << 20];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| err("read", e.to_string()))?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n]);
    }
    writer
        .finish()
        .await
        .map_err(|e| err("finish the upload of", e.to_string()))?;
    Ok(rel)
}
