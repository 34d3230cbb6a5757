# The two entry points of the README. Both set the machine up first (ops/setup is idempotent).
.PHONY: demo test setup

CUSTOMNET := .build/release/customnet
DEMO_MODEL := out/demo/customnet-tiny-random.safetensors

setup:
	ops/setup

# The main job: a local sweep of jobs/smoke.yaml (24 images, tiny preset, with metrics and a report) on
# an embedded farm: a coordinator and two worker processes on loopback. Real weights cannot be
# downloaded here, so the demo makes random ones in the official layouts (the output says so).
demo: setup
	swift build -c release --product customnet
	$(CUSTOMNET) doctor --out out/doctor
	@test -f $(DEMO_MODEL) || $(CUSTOMNET) model init-random --preset tiny --seed 0 --out $(DEMO_MODEL)
	@test -f out/demo/dino-tiny-random/model.safetensors || $(CUSTOMNET) model init-random --preset dino-tiny --seed 0 --out out/demo/dino-tiny-random
	@test -f out/demo/clip-tiny-random/model.safetensors || $(CUSTOMNET) model init-random --preset clip-tiny --seed 0 --out out/demo/clip-tiny-random
	$(CUSTOMNET) run jobs/smoke.yaml --workers 2

test: setup
	ops/check-layering
	swift test
