# Citizen accounts: the population registry loaded by eidctl into the real Redis authd uses.

suite_population_import() {
	prepare_dirs; redis_start; write_conf
	local EIDCTL=$(dirname "$AUTHD")/eidctl out rc
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" 2>&1); rc=$?
	check "import: the demo CSV loads whole (300 citizens, exit 0)" \
		test "$rc $out" = "0 import-population: 300 loaded, 0 rejected"
	check "import: a record holds the registry fields, phone normalised" bash -c \
		'[ "$(redis-cli -p "$0" hget "eid:{001085012345}:reg" name)" = "Nguyễn Văn An" ] &&
		 [ "$(redis-cli -p "$0" hget "eid:{001085012345}:reg" phone)" = "+84912345678" ] &&
		 [ "$(redis-cli -p "$0" hget "eid:{001085012345}:reg" dob)" = "1985-03-14" ]' "$REDIS_PORT"
	cat > "$E2E_DIR/mixed.csv" <<'CSV'
id_number,full_name,date_of_birth,sex,residence,phone,document_number
079191000001,Lê Thị Hoa,1991-12-31,F,"5 Lê Lợi, Hồ Chí Minh",0987654321,191000001
079291000002,Sai Thế Kỷ,1991-12-31,F,Hồ Chí Minh,0987654322,291000002
079191000003,Sai Giới Tính,1991-12-31,M,Hồ Chí Minh,0987654323,191000003
07919100000,Thiếu Số,1991-12-31,F,Hồ Chí Minh,0987654324,19100000
003191000005,Sai Tỉnh,1991-12-31,F,Hồ Chí Minh,0987654325,191000005
079192000006,Sai Năm,1991-12-31,F,Hồ Chí Minh,0987654326,192000006
079191000001,Trùng Số,1991-12-31,F,Hồ Chí Minh,0987654327,191000001
048300000007,Trần Thu Hà,2000-02-29,F,Đà Nẵng,0912000007,300000007
CSV
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$E2E_DIR/mixed.csv" 2>&1); rc=$?
	check "import: malformed rows are rejected, the rest load (exit 3)" \
		bash -c '[ "$0" = 3 ] && grep -q "2 loaded, 6 rejected" <<<"$1"' "$rc" "$out"
	check "import: each rejected row is named by line number and reason" bash -c \
		'grep -q "mixed.csv:3: id_number: century digit 2" <<<"$0" &&
		 grep -q "mixed.csv:4: id_number: sex digit 1 says female, sex says male" <<<"$0" &&
		 grep -q "mixed.csv:5: id_number: must be 12 digits" <<<"$0" &&
		 grep -q "mixed.csv:6: id_number: 003 is not a province code" <<<"$0" &&
		 grep -q "mixed.csv:7: id_number: birth year digits 92" <<<"$0" &&
		 grep -q "mixed.csv:8: id_number: 079191\*\*\*\*\*\* appears twice" <<<"$0"' "$out"
	check "import: rejected rows wrote nothing" bash -c \
		'[ "$(redis-cli -p "$0" exists "eid:{079291000002}:reg")" = 0 ] &&
		 [ "$(redis-cli -p "$0" hget "eid:{079191000001}:reg" name)" = "Lê Thị Hoa" ]' "$REDIS_PORT"
	printf 'id,name\n001085012345,An\n' > "$E2E_DIR/header.csv"
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$E2E_DIR/header.csv" 2>&1); rc=$?
	check "import: a wrong header stops the import (exit 1, line 1 named)" \
		bash -c '[ "$0" = 1 ] && grep -q "header.csv:1: header must be" <<<"$1"' "$rc" "$out"
	redis_stop
	out=$("$EIDCTL" -c "$E2E_DIR/authd.json" import-population "$REPO/config/population-demo.csv" 2>&1); rc=$?
	check "import: Redis down is an error, not a crash (exit 1)" \
		bash -c '[ "$0" = 1 ] && grep -q "eidctl: redis:" <<<"$1"' "$rc" "$out"
}
