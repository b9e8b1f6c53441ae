# dashboard-json.sh - sourced by run.sh: check_dashboard_json FILE checks a
# Grafana dashboard for what its import needs and what our panels promise
# (uses run.sh's ok/bad and jq).
check_dashboard_json() {
	local f=$1 n
	if ! jq -e . "$f" >/dev/null 2>&1; then
		bad "$(basename "$f"): not valid JSON"
		return
	fi
	jq_ok() { # DESC FILTER: the filter must print true
		if [ "$(jq -r "$2" "$f")" = true ]; then ok "dashboard: $1"; else bad "dashboard: $1"; fi
	}
	jq_ok "schemaVersion 36 or newer (Grafana 9+)" '.schemaVersion >= 36'
	jq_ok "uid and title set" '(.uid | length > 0) and (.title | length > 0)'
	jq_ok "a datasource variable of type prometheus" \
		'[.templating.list[] | select(.type == "datasource" and .query == "prometheus" and .name == "datasource")] | length == 1'
	jq_ok "instance and device variables query the datasource variable" \
		'[.templating.list[] | select((.name == "instance" or .name == "device") and .type == "query" and .datasource.uid == "${datasource}")] | length == 2'
	jq_ok "panel ids unique positive integers" \
		'[.panels[].id] | (length == (unique | length)) and all(type == "number" and . > 0 and . == floor)'
	jq_ok "every panel and query uses the datasource variable" \
		'[.panels[] | select(.type != "row") | (.datasource.uid == "${datasource}") and all(.targets[]; .datasource.uid == "${datasource}")] | all'
	jq_ok "every query filters on \$instance" \
		'[.panels[] | select(.targets) | .targets[].expr | contains("instance=~\"$instance\"")] | all'
	jq_ok "every panel has a grid position within 24 columns" \
		'[.panels[] | .gridPos | (.w > 0 and .h > 0 and .x + .w <= 24)] | all'
	jq_ok "every query has a unique refId in its panel" \
		'[.panels[] | select(.targets) | [.targets[].refId] | length == (unique | length)] | all'
	# the panels the fleet view promises (traffic by direction,
	# outstanding growth, remote share, swiotlb, dmaengine latency,
	# findings, lost events, device isolation)
	for m in dmascope_mapped_bytes_total dmascope_outstanding_mappings \
		dmascope_remote_node_bytes_total dmascope_swiotlb_bounces_total \
		dmascope_dmaengine_transfer_latency_seconds_bucket \
		dmascope_findings_total dmascope_lost_events_total dmascope_device_info; do
		n=$(jq --arg m "$m" '[.panels[] | select(.targets) | .targets[].expr | select(contains($m))] | length' "$f")
		if [ "$n" -gt 0 ]; then ok "dashboard: a panel on $m"; else bad "dashboard: no panel on $m"; fi
	done
}
