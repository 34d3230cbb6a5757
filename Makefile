# The two entry points of the README. Both set the machine up first (ops/setup is idempotent).
.PHONY: demo test setup

setup:
	ops/setup

# The main job. Until the farm lands (issue 6) this runs the largest real piece that exists: a node
# check that exercises BLAS, PNG, JPEG, ZeroMQ and the CLIP vocabulary for real.
demo: setup
	swift build -c release --product customnet
	.build/release/customnet doctor --out out/doctor

test: setup
	ops/check-layering
	swift test
