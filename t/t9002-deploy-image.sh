#!/bin/sh
test_description='deploy/Dockerfile: two Debian slim stages; its build stage builds from what it copies; the runtime stage has every library the tools link'
. "$(dirname "$0")/test-lib.sh"

DOCKERFILE=$REPO_ROOT/deploy/Dockerfile

# packages STAGE: the packages that stage (1 build, 2 runtime) installs:
# the tab-indented lines after its "apt-get install", one package a line.
packages () {
	awk -v want="$1" '
		/^FROM / { stage++ }
		on && !/^\t/ { on = 0 }
		on {
			n = split($0, w, /[ \t\\]+/)
			for (i = 1; i <= n; i++)
				if (w[i] != "")
					print w[i]
		}
		stage == want && /apt-get install/ { on = 1 }' "$DOCKERFILE" | sort -u
}

test_expect_success 'two stages, both Debian slim of one release; the second copies the first stage install tree' '
	grep "^FROM " "$DOCKERFILE" >froms &&
	cat >expect <<-\EOF &&
	FROM debian:${DEBIAN_RELEASE}-slim AS build
	FROM debian:${DEBIAN_RELEASE}-slim
	EOF
	test_cmp expect froms &&
	grep -x "ARG DEBIAN_RELEASE=bookworm" "$DOCKERFILE" &&
	grep -x "COPY --from=build /out/usr/local/ /usr/local/" "$DOCKERFILE" &&
	: the runtime stage compiles nothing &&
	packages 2 >runtime &&
	test_must_fail grep -E -- "-dev$|^gcc$|^make$|^pkg-config$" runtime
'

test_expect_success 'the build stage installs every build package scripts/install-deps names' '
	packages 1 >build &&
	sed -n "/^default_pkgs=/,/'"'"'$/p" "$REPO_ROOT/scripts/install-deps" | tr -d "'"'"'" |
		sed "s/^default_pkgs=//" | tr " " "\n" |
		grep -E -- "-dev$|^gcc$|^make$|^pkg-config$" | sort -u >needed &&
	test_line_count -ge 9 needed &&
	comm -23 needed build >missing &&
	test_must_fail test -s missing
'

# The build stage, without Docker: exactly the paths it copies, then its
# make commands (at -O0, for time), into a scratch DESTDIR.
test_expect_success 'the paths the build stage copies are enough to build and install every tool' '
	mkdir ctx out &&
	sed -n "s/^COPY \([^-][^ ]*\) [^ ]*$/\1/p" "$DOCKERFILE" >copied &&
	test_line_count -ge 5 copied &&
	while read -r p; do
		mkdir -p "ctx/$(dirname "$p")" && cp -R "$REPO_ROOT/${p%/}" "ctx/${p%/}" || return 1
	done <copied &&
	# A clean make: under "make asan" the MAKEFLAGS and the environment of
	# the caller (SAN_FLAGS, OPT, O) would pass its sanitizer flags down,
	# and the image never builds with those.
	(cd ctx && unset MAKEFLAGS MFLAGS MAKELEVEL SAN_FLAGS OPT O &&
	 make -j2 OPT=-O0 >../make.log 2>&1 &&
	 make install DESTDIR="$TRASH_DIRECTORY/out" PREFIX=/usr/local >>../make.log 2>&1) &&
	(cd "$REPO_ROOT" && ls cmd/lb-*.c cmd/lb-*.sh 2>/dev/null) |
		sed "s|^cmd/||; s|\.[csh]*$||" | sort >expect &&
	ls out/usr/local/bin >got &&
	test_cmp expect got &&
	test -s out/usr/local/share/man/man7/lbkit.7
'

test_expect_success 'the runtime stage installs the package of every library the tools link (glibc is in the base image)' '
	for b in out/usr/local/bin/*; do
		head -c 4 "$b" | grep -q ELF || continue
		readelf -d "$b" | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p" >needed.so &&
		ldd "$b" >ldd.out || return 1
		while read -r so; do
			path=$(awk -v s="$so" "\$1 == s { print \$3 }" ldd.out) &&
			test -n "$path" || { echo "$b: $so not found"; return 1; }
			pkg= &&
			for c in "$path" "/usr$path" "${path#/usr}"; do
				pkg=$(dpkg -S "$c" 2>/dev/null) && break
			done &&
			echo "${pkg%%:*}" >>linked || { echo "$b: $so: no package owns $path"; return 1; }
		done <needed.so
	done &&
	sort -u linked | grep -v -x libc6 >linked.pkgs &&
	test_line_count -ge 6 linked.pkgs &&
	comm -23 linked.pkgs runtime >missing &&
	test_must_fail test -s missing
'

test_expect_success DOCKER 'docker builds the image, and its tools run' '
	tag=lbkit-test:t9002-$$ &&
	test_when_finished "docker image rm -f $tag >/dev/null 2>&1" &&
	docker build -q -f "$DOCKERFILE" -t "$tag" "$REPO_ROOT" &&
	docker run --rm "$tag" lb-watch --version >version &&
	grep "^lb-watch (lbkit) " version &&
	docker run --rm "$tag" lb-speaker --help >help &&
	grep -i usage help
'

test_done
