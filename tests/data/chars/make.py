import json, os
os.chdir('/work/wt-chars/tests/data/chars')
docs = [
 "Barack Obama's visit to New York-based IBM.",
 "Karzai met U.S. envoys in Kabul.",
 "",
 "Café Zürich — hosted Ms. Ngozi Okonjo-Iweala.",
 " \n ",
]
def off(text, sub):
    i=text.index(sub); return i, i+len(sub)
gold = [
 [(*off(docs[0],"Barack Obama"),"PER"),(*off(docs[0],"New York"),"LOC"),(*off(docs[0],"IBM"),"ORG")],
 [(*off(docs[1],"Karzai"),"PER"),(*off(docs[1],"U.S."),"LOC"),(*off(docs[1],"Kabul"),"LOC")],
 [],
 [(*off(docs[3],"Café Zürich"),"ORG"),(*off(docs[3],"Ngozi Okonjo-Iweala"),"PER")],
 [],
]
def spans(name, docs, ents, obj=False, extra=None):
    with open(name,"w") as f:
        for i,(t,es) in enumerate(zip(docs,ents)):
            d={"text":t}
            if obj: d["entities"]=[{"start":s,"end":e,"label":l} for s,e,l in es]
            else: d["entities"]=[[s,e,l] for s,e,l in es]
            f.write(json.dumps(d,ensure_ascii=False)+"\n")
spans("gold.jsonl", docs, gold)
with open("pred-doccano.jsonl","w") as f:
    for i,(t,es) in enumerate(zip(docs,gold)):
        f.write(json.dumps({"id":i+1,"text":t,"label":[[s,e,l] for s,e,l in es]},ensure_ascii=False)+"\n")
pred = [
 [(*off(docs[0],"Obama"),"PER"),(*off(docs[0],"New York"),"LOC"),(*off(docs[0],"IBM"),"LOC")],
 [(*off(docs[1],"Karzai"),"PER"),(*off(docs[1],"U.S."),"LOC"),(*off(docs[1],"envoys"),"MISC")],
 [],
 [(*off(docs[3],"Café Zürich"),"ORG"),(*off(docs[3],"Ngozi Okonjo"),"PER")],
 [],
]
spans("pred-errors.jsonl", docs, pred, obj=True)
d2=list(docs); d2[1]=d2[1].replace("envoys","envoy ")
spans("pred-text-differs.jsonl", d2, gold)
spans("pred-short.jsonl", docs[:2], gold[:2])
tasks=[]
for i,(t,es) in enumerate(zip(docs,gold)):
    res=[{"id":f"r{i}{k}","from_name":"label","to_name":"text","type":"labels",
          "value":{"start":s,"end":e,"text":t[s:e],"labels":[l]}} for k,(s,e,l) in enumerate(es)]
    tasks.append({"id":i+1,"data":{"text":t},"annotations":[{"id":i+1,"result":res}]})
with open("pred-labelstudio.json","w") as f:
    json.dump(tasks,f,ensure_ascii=False,indent=1)

# Prodigy prediction with its own tokens cut at whitespace only, so that
# "Obama's", "York-based" and "IBM." are one token each and the entities
# end inside them.
import re
with open("pred-prodigy-whitespace.jsonl","w") as f:
    for t,es in zip(docs,gold):
        toks=[(m.start(),m.end()) for m in re.finditer(r"\S+",t)]
        tokens=[{"text":t[s:e],"start":s,"end":e,"id":k,"ws":e<len(t) and t[e:e+1].isspace()} for k,(s,e) in enumerate(toks)]
        def tok(i): return next(k for k,(s,e) in enumerate(toks) if s<=i<e)
        sp=[{"start":s,"end":e,"token_start":tok(s),"token_end":tok(e-1),"label":l} for s,e,l in es]
        f.write(json.dumps({"text":t,"tokens":tokens,"spans":sp,"answer":"accept"},ensure_ascii=False)+"\n")
with open("empty.jsonl","w") as f:
    for t in ["", "  ", "\n"]:
        f.write(json.dumps({"text":t,"entities":[]})+"\n")
