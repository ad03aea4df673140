package slipway.lib_test

import data.slipway.lib

test_lookup if {
	lib.lookup({"accuracy": 0.9}, "accuracy") == 0.9
	lib.lookup({"per_class": {"setosa": {"recall": 1}}}, "per_class.setosa.recall") == 1

	# a key with a dot in it wins over the path
	lib.lookup({"a.b": 1, "a": {"b": 2}}, "a.b") == 1
	not lib.lookup({"a": {"b": 2}}, "a.c")
}

test_has if {
	lib.has({"a": false}, "a")
	lib.has({"a": null}, "a")
	not lib.has({"a": 1}, "b")
}

test_blank if {
	lib.blank(null)
	lib.blank(" \n")
	lib.blank([])
	lib.blank({})
	not lib.blank("x")
	not lib.blank([""])
}

test_numbers if {
	lib.num(0.9333 - 0.91) == "0.0233"
	lib.signed(0.3 - 0.14) == "+0.16"
	lib.signed(0.85 - 0.95) == "-0.1"
	lib.signed(0) == "0"
	lib.percent(0.08 / 0.93) == "8.6%"
	json.marshal(lib.tidy(0.7 - 0.9)) == "-0.2"
	lib.tidy(12345678.9 - 1) == 12345677.9
	lib.exceeds(0.1, 0.05)
	not lib.exceeds(0.95 - 0.93, 0.02)
}

test_bytes if {
	lib.bytes(0) == "0 B"
	lib.bytes(388) == "388 B"
	lib.bytes(1536) == "1.5 KiB"
	lib.bytes(53687091200) == "50 GiB"
	lib.bytes(1125899906842624 * 3) == "3 PiB"
	lib.bytes(0.5) == "0.5 B"
}
