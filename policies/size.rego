# METADATA
# title: Artifact size limits
# description: >-
#   The model's files may not add up to more than
#   slipway.config.size.max_total_bytes, nor any one of them exceed
#   max_file_bytes: past that, pulls and image builds time out or fill disks.
package slipway.size

import data.slipway.lib
import data.slipway.settings

sizes := [f.size | some f in input.model.files; is_number(f.size)]

# total is the sum of the files' sizes, or the model's size when the input
# lists no file sizes.
total := sum(sizes) if count(sizes) > 0

else := input.model.size if is_number(input.model.size)

else := 0

deny_total_size contains result if {
	limit := settings.setting("size", "max_total_bytes")
	total > limit
	result := {
		"msg": sprintf("the model is %s in total, over the %s limit", sizes_text(total, limit)),
		"size": total, "threshold": limit,
	}
}

deny_file_size contains result if {
	limit := settings.setting("size", "max_file_bytes")
	some file in input.model.files
	is_number(file.size)
	file.size > limit
	result := {
		"msg": sprintf("%s is %s, over the %s limit for one file", array.concat([file.path], sizes_text(file.size, limit))),
		"path": file.path, "size": file.size, "threshold": limit,
	}
}

# sizes_text writes a size and its limit readably, with the exact byte counts
# when rounding would make them look equal.
sizes_text(size, limit) := [lib.bytes(size), lib.bytes(limit)] if lib.bytes(size) != lib.bytes(limit)

else := [sprintf("%s (%v bytes)", [lib.bytes(size), size]), sprintf("%s (%v bytes)", [lib.bytes(limit), limit])]

exception contains e if some e in settings.exceptions("size")
