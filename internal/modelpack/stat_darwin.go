package modelpack

import (
	"io/fs"
	"syscall"
)

func sysStat(fi fs.FileInfo) (ino, dev uint64, ctime int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0
	}
	return st.Ino, uint64(st.Dev), st.Ctimespec.Sec*1e9 + st.Ctimespec.Nsec
}
