# cardinality.sh - sourced by run.sh: cardinality_tests replays
# cardinality.scn through dmatrace serve --max-devices 2 --device-ttl 5s,
# scraping every 0.2 s: at most two devices of their own plus "other", a
# quiet device expires and frees its place for one that becomes active, "other" sums the
# folded devices, and no counter of any series ever goes back.
cardinality_tests() {
	local i last n
	"$DMATGEN" -o "$T/cap.dmat" "$here/cardinality.scn" 2>"$T/cap.gen.err" ||
		{ bad "dmatgen cardinality.scn: $(cat "$T/cap.gen.err")"; return; }
	serve cap 127.0.0.1:0 --replay "$T/cap.dmat" --speed 4 --max-devices 2 \
		--device-ttl 5s || return
	mkdir -p "$T/cap"
	i=0
	while ! grep -q 'end of' "$T/cap.err" && [ $i -lt 100 ]; do
		curl -s --max-time 2 "http://$addr/metrics" >"$T/cap/$(printf %03d $i)"
		i=$((i + 1))
		sleep 0.2
	done
	curl -s --max-time 2 "http://$addr/metrics" >"$T/cap/$(printf %03d $i)"
	last="$T/cap/$(printf %03d $i)"
	kill -TERM "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	check "scraped $i times during the replay" test $i -ge 4
	n=$(cat "$T"/cap/* | grep '^dmascope_device_info' | sed 's/ .*//' | sort -u | wc -l)
	check "never more than 2 devices of their own at a time" \
		eval '! for f in "$T"/cap/*; do grep -c "^dmascope_device_info" "$f"; done | grep -qv "^[0-2]$"'
	# all five are in the recording's device table from the start: the
	# first two get places, ahci0 (no events yet) expires at 5 s, nvme1 at
	# 7 s, and ahci0's first event at 12 s finds a free place
	check "nvme0, nvme1 and ahci0 had series of their own (got $n)" test "$n" = 3
	check "at the end: nvme0 and ahci0 own, e1000e0 and e1000e1 folded, nvme1 expired" \
		test "$(grep '^dmascope_exported_devices' "$last" | tr '\n' ' ')" = \
		'dmascope_exported_devices{state="own"} 2 dmascope_exported_devices{state="folded"} 2 dmascope_exported_devices{state="expired"} 1 '
	check "the expired nvme1 is no longer exported" eval '! grep -q "device=\"nvme1\"" "$last"'
	check "ahci0, new after nvme1 expired, has its own series" \
		grep -q '^dmascope_maps_total{device="ahci0",driver="ahci",numa_node="0",dir="from_device"} 8$' "$last"
	check "\"other\" sums e1000e1's maps (40 from the device)" \
		grep -q '^dmascope_maps_total{device="other",driver="",numa_node="",dir="from_device"} 40$' "$last"
	check "\"other\" sums e1000e0's maps (20 to the device)" \
		grep -q '^dmascope_maps_total{device="other",driver="",numa_node="",dir="to_device"} 20$' "$last"
	# every counter sample, in scrape order, per series: never lower
	n=$(for f in "$T"/cap/*; do grep -E '^dmascope_[a-z_]+_total[{ ]' "$f"; done |
		awk '{ v = $NF; $NF = ""; if ($0 in seen && v + 0 < seen[$0]) bad++; seen[$0] = v + 0 }
			END { print bad + 0 }')
	check "no counter went back across $i scrapes ($n did)" test "$n" = 0
}

# scrape_replayed NAME SCN: the cli tier's scenario SCN replayed whole by
# dmatrace serve, its metrics scraped once into $T/NAME.txt
scrape_replayed() {
	"$DMATGEN" -o "$T/$1.dmat" "$root/tests/cli/scenarios/$2" 2>/dev/null ||
		{ bad "dmatgen $2"; return 1; }
	serve "$1" 127.0.0.1:0 --replay "$T/$1.dmat" --speed 0 || return 1
	wait_for 10 grep -q 'end of' "$T/$1.err"
	curl -s --max-time 5 "http://$addr/metrics" >"$T/$1.txt"
	kill -TERM "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	return 0
}

# odd_names_tests: a device name with a quote, a backslash and a tab and a
# driver with a comma are escaped so that promtool parses every line
odd_names_tests() {
	scrape_replayed odd odd-names.scn || return
	if promtool check metrics <"$T/odd.txt" >"$T/odd.check" 2>&1 && [ ! -s "$T/odd.check" ]; then
		ok "odd device names: promtool check metrics"
	else
		bad "odd device names: $(head -3 "$T/odd.check")"
	fi
	check "odd device names: escaped as the format says" \
		grep -qF 'dmascope_device_info{device="we\"ird,dev\\x	1",driver="drv,1",numa_node="-1"' "$T/odd.txt"
}

# isolation_tests: each device's isolation facts (IOMMU group, domain type,
# what it means, the port) reach dmascope_device_info as the recording's
# device table has them; a group number only where the group is real
isolation_tests() {
	scrape_replayed iso isolation.scn || return
	check "isolation: device_info of the four devices" \
		test "$(grep '^dmascope_device_info{' "$T/iso.txt" |
			sed -E 's/.*device="([^"]*)".*iommu_group="([^"]*)",iommu_domain="([^"]*)",isolation="([^"]*)",port="([^"]*)".*/\1 \2 \3 \4 \5/' |
			sort | tr '\n' ';')" = \
		"0000:05:00.0  none none removable;0000:06:00.0 3 DMA-FQ translated untrusted;0000:07:00.0 4 identity identity removable;vdmac.0  none none fixed;"
}
