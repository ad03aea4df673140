//go:build !linux && !darwin

package modelpack

import "io/fs"

// sysStat knows no inode or ctime here: the hash cache relies on size and mtime.
func sysStat(fs.FileInfo) (ino, dev uint64, ctime int64) { return 0, 0, 0 }
