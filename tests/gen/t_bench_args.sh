#!/bin/bash
# The benchmarks' options (issue 5's harness and its neighbours): a bad
# value is refused with exit status 2 and a message that names the
# option, before anything is built or started; --help prints the usage.
# Nothing here measures: every case ends at the option checks.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
B=$TOP/tests/bench

# refused SCRIPT WORD ARGS...: SCRIPT ARGS exits 2 and says WORD.
refused() {
  local script=$1 word=$2 out rc; shift 2
  out=$(timeout 20 "$B/$script" "$@" 2>&1); rc=$?
  if [ $rc -eq 2 ] && grep -qF -- "$word" <<< "$out"; then
    ok "$script $*: $(tail -n 1 <<< "$out")"
  else
    fail "$script $*: exit $rc, expected 2 and '$word': $(tail -n 3 <<< "$out")"
  fi
}

refused forward.sh --duration --duration abc
refused forward.sh --duration --duration 0
refused forward.sh --duration --duration
refused forward.sh --rounds --rounds 0
refused forward.sh "at least 0.5 s" --duration 1 --rounds 10
refused forward.sh --warmup --warmup -1
refused forward.sh --routes --routes 1.5
refused forward.sh --flows --flows 0
refused forward.sh --frame-size --frame-size 63
refused forward.sh --frame-size --frame-size 1519
refused forward.sh --rate --rate fast
refused forward.sh --table --table /nonexistent/routes.txt
refused forward.sh --queue-size --queue-size 100
refused forward.sh --queue-size --queue-size 0256
refused forward.sh "unknown option" --bogus
refused forward.sh "82 to 1518" --ipv6 --frame-size 64

refused versus.sh --pairs --pairs 0
refused versus.sh --seconds --seconds x
refused versus.sh --routes --routes 0
refused versus.sh --frame-size --frame-size 2000
refused versus.sh --queue-size --queue-size 48
refused versus.sh --pairs --pairs
refused versus.sh --dut-ports --dut-ports foo

refused modes.sh "unknown mode 'bogus'" --modes "native bogus"
refused modes.sh "one, each or default" --modes vm-virtio@two
refused modes.sh "one, each or default" --modes vm-e1000@
refused modes.sh "empty list" --modes " "
refused modes.sh --sizes --sizes "64 63"
refused modes.sh --trial --trial 0
refused modes.sh --repeat --repeat 0
refused modes.sh --routes --routes abc
refused modes.sh --queue-size --queue-size 1000
refused modes.sh --out --out ""

refused mux.sh --slices --slices 17
refused mux.sh "empty list" --slices ""
refused mux.sh --duration --duration 0
refused mux.sh --frame-size --frame-size 10

refused instr.sh --packets --packets 100
refused instr.sh --packets --packets "1000 1050"
refused instr.sh --packets --packets "1000 2000 3000"
refused instr.sh --routes --routes 0

refused replay.sh --packets --packets 7000
refused replay.sh --rounds --rounds 0
refused replay.sh --seconds --seconds x
refused replay.sh "unknown option" --bogus

# pairs.py, the pooled comparison of modes.sh's passes: refusals, then
# its arithmetic on a results.csv whose answer is known.
CSV=/tmp/$T.pairs.csv BAD=/tmp/$T.bad.csv
trap 'rm -f $CSV $BAD; lib_cleanup' EXIT
cat > $CSV <<'EOF'
mode,dut,frame_size,ip_size,ndr_mpps,pdr_mpps,ndr_gbps,p50_us,p99_us,cycles_per_pkt,rep
native,vrd,64,46,2,2,1,1,1,,1
native,l3fwd,64,46,1,1,1,1,1,,1
native,vrd,64,46,4,4,1,1,1,,2
native,l3fwd,64,46,2,2,1,1,1,,2
native,vrd,64,46,3,3,1,1,1,,3
native,l3fwd,64,46,6,6,1,1,1,,3
native,vrd,64,46,5,5,1,1,1,,4
native,l3fwd,64,46,,,,,,,4
native,vrd,64,46,3,3,1,1,1,,5
native,l3fwd,64,46,3,3,1,1,1,,5
native,vrd,128,110,1,1,1,1,1,,1
EOF
printf 'mode,dut\nnative,vrd\n' > $BAD
refused pairs.py --sizes --sizes x $CSV
refused pairs.py "No such file" /nonexistent/results.csv
refused pairs.py "no column" $BAD
refused pairs.py "no pass has figures for both" --b ovs $CSV
refused pairs.py "both name" --a l3fwd $CSV
refused pairs.py "name the same row" --a native --b vrd $CSV
# A matrix whose container row is vrd too: "vrd" is ambiguous, the mode is not.
sed -n '1,3p' $CSV > $BAD && echo "vhost,vrd,64,46,1,1,1,1,1,,1" >> $BAD
refused pairs.py "name the mode" $BAD
out=$("$B/pairs.py" --a vhost $BAD | tail -n 1)
jq -e '.sizes["64"].ratios == [1]' <<< "$out" >/dev/null &&
  ok "pairs.py --a vhost: the mode names the row" || fail "pairs.py --a vhost: $out"
out=$("$B/pairs.py" $CSV | tail -n 1)
if jq -e '.sizes["64"] | .pairs == 4 and .median == 1.5 and .a_above == 2 and .a_below == 1 and .ties == 1 and
           .sign_p == 1 and .left_out == 1 and .ci == null and .ratios == [2, 2, 0.5, 1]' <<< "$out" >/dev/null &&
   jq -e '.sizes["128"] | .pairs == 0 and .left_out == 1' <<< "$out" >/dev/null; then
  ok "pairs.py: four passes paired at 64 B (one a tie; the fourth's l3fwd row failed: left out), 128 B unpaired: median 1.5, 2 wins, 1 loss"
else
  fail "pairs.py: $out"
fi

for s in forward.sh versus.sh modes.sh mux.sh instr.sh replay.sh; do
  out=$("$B/$s" --help 2>&1) && grep -q "tests/bench/$s" <<< "$out" &&
    ok "$s --help prints its usage" || fail "$s --help: $(head -n 3 <<< "$out")"
done
lib_exit
