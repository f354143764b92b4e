"""Flat-token serving graph on CUDA with PyTorch eager: one window per call vs packed calls (GPU evidence for packing).

Run from the repo root on a GPU machine: python3 inference-operator/scripts/torch_cuda_flat_bench.py
Random-init weights (speed does not depend on them); seeded 0.5-10 s mix at 10-40 ms and 1 s windows.
"""
import sys, time, json, torch
sys.path.insert(0, 'model')
from elasticast import ElasticAST, ElasticASTConfig, ServingGraph
import numpy as np
dev = 'cuda'
SH = [10,15,20,25,30,35,40]
def toks(sec, sh):
    fr = 1 + (int(round(sec*16000)) - 400)//(16*sh); return (fr//16)*8
def mixed(n, seed):
    r = np.random.default_rng(seed); out=[]
    while len(out) < n:
        t = toks(0.5+9.5*r.random(), SH[r.integers(7)])
        if t > 0: out.append(t)
    return out
def call(ws, rows_of):
    order=[w for row in rows_of for w in row]; T=sum(ws[w] for w in order); W=max(sum(ws[w] for w in row) for row in rows_of)
    p=torch.randn(T,256,device=dev); f=torch.zeros(T,dtype=torch.long,device=dev); tp=torch.zeros_like(f); ids=torch.zeros_like(f)
    rows=torch.full((len(rows_of),W),T,dtype=torch.long,device=dev); t=0;k=0
    for r,row in enumerate(rows_of):
        s=0
        for w in row:
            n=ws[w]; ar=torch.arange(n,device=dev); f[t:t+n]=ar%8; tp[t:t+n]=ar//8; ids[t:t+n]=k; rows[r,s:s+n]=ar+t; t+=n;s+=n;k+=1
    return (p,f,tp,ids,rows)
def packed(ws, budget):
    order=sorted(range(len(ws)), key=lambda i:-ws[i]); calls=[];cur=[];u=0
    for i in order:
        if cur and u+ws[i]>budget: calls.append(cur); cur=[];u=0
        cur.append([i]); u+=ws[i]
    if cur: calls.append(cur)
    return calls
for d,depth,heads in ((128,4,2),(192,6,3)):
    g = ServingGraph(ElasticAST(ElasticASTConfig(d_model=d,depth=depth,heads=heads))).eval().to(dev)
    for name, ws in (("mixed",mixed(256,42)),("1s",[48]*512)):
        ones=[call(ws,[[i]]) for i in range(len(ws))]
        for budget in (4096, 32768):
            packs=[call(ws,c) for c in packed(ws,budget)]
            res={}
            with torch.inference_mode():
                for mode,feeds in (("one",ones),("packed",packs)):
                    for x in feeds[:3]: g(*x)
                    torch.cuda.synchronize(); ts=[]
                    for _ in range(3):
                        t0=time.perf_counter()
                        for x in feeds: g(*x)
                        torch.cuda.synchronize(); ts.append(time.perf_counter()-t0)
                    res[mode]=len(ws)/np.median(ts)
            print(f"torch {torch.__version__} CUDA eager flat graph d={d} depth {depth} {name} budget {budget}: one {res['one']:.0f}/s packed {res['packed']:.0f}/s ratio {res['packed']/res['one']:.2f}", flush=True)
