# The two entry points of the README. Both set the machine up first (ops/setup is idempotent).
.PHONY: demo test setup

CUSTOMNET := .build/release/customnet
DEMO_MODEL := out/demo/customnet-tiny-random.safetensors

setup:
	ops/setup

# The main job. Until the farm lands (a local sweep of jobs/smoke.yaml), this runs the largest real
# piece: a node check, then one CustomNet render end to end with the tiny preset. Real weights cannot
# be downloaded here, so the demo makes random ones in the official layout.
demo: setup
	swift build -c release --product customnet
	$(CUSTOMNET) doctor --out out/doctor
	@test -f $(DEMO_MODEL) || $(CUSTOMNET) model init-random --preset tiny --seed 0 --out $(DEMO_MODEL)
	$(CUSTOMNET) render --model $(DEMO_MODEL) --object jobs/objects/toy-robot.png --box 8,8,56,56 \
		--polar 10 --azimuth 30 --prompt "a toy robot on a wooden table" --seed 1234 --out out/demo/toy-robot-p10-a30.png
	@echo "The demo weights are RANDOM (tiny preset), so the picture is noise-like. For real images, pass the"
	@echo "official checkpoint: $(CUSTOMNET) render --model /path/to/customnet_v1.pt ... (see README)."

test: setup
	ops/check-layering
	swift test
