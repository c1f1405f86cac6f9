module example.com/gatehouse-verify-jwt

go 1.19
