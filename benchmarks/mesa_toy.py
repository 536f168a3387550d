"""An idiomatic Mesa model of the same month's shape: the honest anchor for the speed-up.

    .venv/bin/python benchmarks/mesa_toy.py --agents 20000 --months 24

How fast would migsim's month be written the way Mesa's examples write a model? Each
agent is a `mesa.Agent` with its state in Python attributes and its ties as a list of
other agents; the month is `model.agents.shuffle_do("step")`, and each step does in
plain Python what migsim's month does: at home, work or lose work and weigh 13
destinations against staying (a logit with savings, costs, expected wages, household
need and contacts there); abroad, search for work through contacts, earn, pay living
costs and remit, and then stay, visit home, return or move on. Its parameters are round
numbers, not migsim's (it answers how long, not what happens). The per-agent reference
month of migsim (`reference.py`) calls the vectorised kernels on one row at a time, which
is far slower per agent than this, so it is no fair anchor for the speed-up.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter

import mesa

N_DEST = 13
HOME = 0


class ToyWorker(mesa.Agent):
    def __init__(self, model: "ToyModel", origin: int):
        super().__init__(model)
        r = model.random
        self.origin = origin
        self.location = HOME
        self.employed_home = r.random() < 0.9
        self.job = False
        self.wage = 0.0
        self.savings = model.home_wage[origin] * r.lognormvariate(0.0, 0.8)
        self.provider = r.random() < 0.5
        self.dependants = r.randint(0, 4)
        self.remit_share = r.uniform(0.1, 0.6)
        self.intention = r.randrange(4)  # circulate, return, stay, move on
        self.months_here = 0
        self.ties: list[ToyWorker] = []

    def contacts_at(self, place: int) -> int:
        return sum(1 for t in self.ties if t.location == place)

    def step(self) -> None:
        m, r = self.model, self.model.random
        if self.location == HOME:
            if self.employed_home:
                self.employed_home = r.random() >= 0.02
            else:
                self.employed_home = r.random() < 0.2
            income = m.home_wage[self.origin] * (1.0 if self.employed_home else 0.3)
            self.savings += 0.1 * income
            gain = 1.0 + 0.3 * (self.provider + 0.25 * self.dependants)
            contacts = Counter(t.location for t in self.ties)
            weights = []
            for d in range(1, N_DEST + 1):
                cost = m.cost[self.origin][d]
                if cost > self.savings:
                    weights.append(0.0)
                    continue
                v = (m.base[self.origin][d] + gain * (m.log_wage[d] - math.log(income))
                     - 0.5 * cost / m.home_wage[self.origin] + 0.4 * math.log1p(contacts[d]))
                weights.append(math.exp(v))
            total = sum(weights)
            u = r.random() * (1.0 + total)
            if u < total:
                acc = 0.0
                for d, w in enumerate(weights, start=1):
                    acc += w
                    if u < acc:
                        self.savings -= m.cost[self.origin][d]
                        self.move(d)
                        if r.random() < 0.1 * min(contacts[d], 5):
                            self.start_job()
                        break
            return
        if not self.job:
            chance = 0.3 + 0.05 * min(self.contacts_at(self.location), 6)
            if r.random() < chance * m.hiring[self.location]:
                self.start_job()
        income = self.wage if self.job else 0.0
        cash = self.savings + income - m.living_cost[self.location]
        sent = min(self.remit_share * income, max(cash, 0.0)) if self.job else 0.0
        self.savings = cash - sent
        m.remitted += sent
        if self.months_here < 1:
            return
        if r.random() < 0.02:
            self.intention = r.randrange(4)
        p_return = 0.01 + (0.05 if self.intention == 1 else 0.0) + (0.05 if self.savings <= 0 else 0.0)
        p_visit = 0.03 if self.intention == 0 else 0.0
        p_move = 0.01 if self.intention == 3 else 0.0
        u = r.random()
        if u < p_return or u < p_return + p_visit:
            self.job, self.wage = False, 0.0
            self.move(HOME)
        elif u < p_return + p_visit + p_move:
            self.job, self.wage = False, 0.0
            self.move(r.choice([d for d in range(1, N_DEST + 1) if d != self.location]))

    def start_job(self) -> None:
        self.job = True
        self.wage = self.model.dest_wage[self.location] * self.model.random.lognormvariate(-0.045, 0.3)

    def move(self, place: int) -> None:
        self.model.flows[self.location][place] += 1
        self.location = place
        self.months_here = 0


class ToyModel(mesa.Model):
    def __init__(self, agents: int, seed: int = 1, degree: int = 12):
        super().__init__(rng=seed)
        r = self.random
        self.home_wage = [150.0, 250.0, 300.0, 200.0, 600.0]
        self.dest_wage = [0.0] + [400.0 + 60 * d for d in range(N_DEST)]
        self.log_wage = [0.0] + [math.log(0.8 * w) for w in self.dest_wage[1:]]
        self.living_cost = [0.0] + [150.0 + 20 * d for d in range(N_DEST)]
        self.cost = [[0.0] + [100.0 + 40 * ((o + d) % 7) for d in range(N_DEST)] for o in range(5)]
        self.base = [[0.0] + [-7.0 - 0.3 * ((o * 3 + d) % 5) for d in range(N_DEST)] for o in range(5)]
        self.hiring = [1.0] * (N_DEST + 1)
        workers = [ToyWorker(self, origin=i % 5) for i in range(agents)]
        for i, w in enumerate(workers):  # village ties: neighbours in the list
            for _ in range(degree // 2):
                other = workers[(i + r.randint(-30, 30)) % agents]
                if other is not w:
                    w.ties.append(other)
                    other.ties.append(w)
        self.remitted = 0.0
        self.flows = [[0] * (N_DEST + 1) for _ in range(N_DEST + 1)]

    def step(self) -> None:
        self.agents.shuffle_do("step")
        for w in self.agents:
            w.months_here += 1


def measure(agents: int, months: int, seed: int = 1) -> dict:
    model = ToyModel(agents, seed)
    started = time.perf_counter()
    for _ in range(months):
        model.step()
    wall = time.perf_counter() - started
    abroad = sum(1 for w in model.agents if w.location != HOME)
    return {"agents": agents, "months": months, "run_s": wall, "us_per_agent_step": 1e6 * wall / (agents * months),
            "agent_steps_per_s": agents * months / wall, "share_abroad_at_end": abroad / agents}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    print(json.dumps(measure(args.agents, args.months)))


if __name__ == "__main__":
    main()
