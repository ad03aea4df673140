# METADATA
# title: Helpers of the shipped policies
# description: Looking values up in metrics and model cards, and writing numbers and sizes people read.
package slipway.lib

# lookup is obj[name], or, for a dotted name such as "per_class.setosa.recall",
# the value at that path through nested objects.
lookup(obj, name) := v if {
	v := obj[name]
} else := v if {
	walk(obj, [split(name, "."), v])
}

# has says whether lookup finds name, whatever the value (false and null included).
has(obj, name) if {
	_ := lookup(obj, name)
}

# blank is true of null, of a string of spaces, and of an empty list or map.
blank(v) if v == null

blank(v) if {
	is_string(v)
	trim_space(v) == ""
}

blank(v) if {
	not is_string(v)
	not is_number(v)
	not is_boolean(v)
	v != null
	count(v) == 0
}

# num writes a number the short way: 0.0233, not 0.023299999999999999965.
num(x) := sprintf("%v", [x])

# tidy rounds the result of decimal arithmetic to nine places, so metadata
# reads -0.2 rather than -0.19999999999999999999; large values are left as
# they are, which rounding would put in exponent form.
tidy(x) := round(x * 1000000000) / 1000000000 if abs(x) < 1000000

else := x

# signed writes a change with its sign: +0.05, -0.1.
signed(x) := sprintf("+%v", [x]) if x > 0

else := num(x)

# percent writes a fraction as a percentage with one decimal: 0.0862 is 8.6%.
percent(x) := sprintf("%v%%", [round(x * 1000) / 10])

# exceeds is x > limit, with room for the rounding of decimal arithmetic
# (0.95 - 0.93 must not exceed an allowed drop of 0.02).
exceeds(x, limit) if x - limit > 1e-9

byte_units := ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]

byte_steps := [1, 1024, 1048576, 1073741824, 1099511627776, 1125899906842624]

# bytes writes a size in binary units with at most one decimal: 388 B, 1.5 GiB.
bytes(n) := sprintf("%v %s", [round((n / byte_steps[i]) * 10) / 10, byte_units[i]]) if {
	i := max({i | some i, step in byte_steps; step <= n})
} else := sprintf("%v B", [n])
