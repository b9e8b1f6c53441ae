# pftrace.awk - flattens `protoc --decode=perfetto.protos.Trace` output into
# one line per packet, interned names resolved, for the cli tier's checks:
#   track uuid=U parent=P counter=0|1 name="..."
#   event ts=T type=TYPE_... track=U cat=C flow=F tflow=F value=V name="..." args k=v ...
# An iid used before its interned entry arrived prints as "?iid".
function reset() {
	ts = ""; type = ""; track = ""; name = ""; flow = ""; tflow = ""
	value = ""; uuid = ""; parent = ""; tname = ""; counter = 0; cat = ""
	args = ""; desc = 0; ev = 0; na = 0
}
function val(s) { sub(/^[^:]*: /, "", s); return s }
function lookup(tab, i) { return (i in tab) ? tab[i] : "\"?" i "\"" }
BEGIN { reset(); sp = 0 }
{
	line = $0
	sub(/^ +/, "", line)
}
line ~ / \{$/ {
	b = line
	sub(/ \{$/, "", b)
	st[++sp] = b
	if (b == "track_descriptor") desc = 1
	if (b == "track_event") ev = 1
	if (b == "counter") counter = 1
	if (b == "debug_annotations") { akey = ""; aval = "" }
	if (b == "event_names" || b == "event_categories" || b == "debug_annotation_names") { iid = ""; iname = "" }
	next
}
line == "}" {
	b = st[sp--]
	if (b == "event_names") names[iid] = iname
	else if (b == "event_categories") cats[iid] = iname
	else if (b == "debug_annotation_names") keys[iid] = iname
	else if (b == "debug_annotations" && sp == 2) { ak[++na] = akey; av[na] = aval }
	else if (b == "array_values") aval = aval "|" aitem
	else if (b == "packet") {
		# names are resolved at the end of the packet: its own interned data counts
		if (desc)
			printf "track uuid=%s parent=%s counter=%d name=%s\n", uuid, parent == "" ? 0 : parent, counter, tname
		for (i = 1; i <= na; i++)
			args = args " " lookup(keys, ak[i]) "=" av[i]
		if (ev)
			printf "event ts=%s type=%s track=%s cat=%s flow=%s tflow=%s value=%s name=%s args%s\n", ts, type, track, cat == "" ? "-" : lookup(cats, cat), flow == "" ? "-" : flow, tflow == "" ? "-" : tflow, value == "" ? "-" : value, name == "" ? "-" : lookup(names, name), args
		reset()
	}
	next
}
{
	k = line
	sub(/:.*/, "", k)
	v = val(line)
	top = st[sp]
	if (top == "packet" && k == "timestamp") ts = v
	else if (top == "track_descriptor" && k == "uuid") uuid = v
	else if (top == "track_descriptor" && k == "parent_uuid") parent = v
	else if (top == "track_descriptor" && k == "name") tname = v
	else if (top == "track_event" && k == "type") type = v
	else if (top == "track_event" && k == "track_uuid") track = v
	else if (top == "track_event" && k == "name_iid") name = v
	else if (top == "track_event" && k == "category_iids") cat = v
	else if (top == "track_event" && k == "flow_ids") flow = v
	else if (top == "track_event" && k == "terminating_flow_ids") tflow = v
	else if (top == "track_event" && k == "counter_value") value = v
	else if (top == "debug_annotations" && k == "name_iid") akey = v
	else if (top == "debug_annotations") aval = v
	else if (top == "array_values" && k == "string_value") aitem = v
	else if (top == "nested_value" && k == "nested_type") aval = ""
	else if ((top == "event_names" || top == "event_categories" || top == "debug_annotation_names") && k == "iid") iid = v
	else if ((top == "event_names" || top == "event_categories" || top == "debug_annotation_names") && k == "name") iname = v
	else if (k ~ /^[0-9]+$/) print "unknown field " k " in " top
}
