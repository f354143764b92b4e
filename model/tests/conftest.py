import os
import sys

import torch

# the model code lives one directory up and is run as plain scripts, not an installed package
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.set_num_threads(2)
