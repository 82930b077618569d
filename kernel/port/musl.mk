# Read together with musl's own Makefile (make -f Makefile -f musl.mk libqenexc.a) in the musl
# build folder: builds only what the kernel takes from musl (math, fenv, string), with musl's
# own rules and arch overrides. (ctype and atoi: lwIP.)
QENEX_OBJS = $(filter obj/src/math/% obj/src/fenv/% obj/src/string/% obj/src/ctype/% obj/src/stdlib/atoi.o,$(AOBJS))

libqenexc.a: $(QENEX_OBJS)
	rm -f $@
	$(AR) rc $@ $(QENEX_OBJS)
	$(RANLIB) $@
