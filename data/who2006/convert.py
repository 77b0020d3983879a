import json, sys
src, out = sys.argv[1], sys.argv[2]
for name, key in [("lhfa", "age_days"), ("wfa", "age_days"), ("wfl", "length_cm"), ("wfh", "height_cm")]:
    d = json.load(open(f"{src}/day_{name}.json"))
    with open(f"{out}/{name}.csv", "w") as f:
        f.write(f"sex,{key},L,M,S\n")
        for sex in ("M", "F"):
            t = d[sex]
            for i, l, m, s in zip(t["i"], t["l"], t["m"], t["s"]):
                k = str(i) if key == "age_days" else f"{i:.1f}"
                f.write(f"{sex},{k},{l!r},{m!r},{s!r}\n")
